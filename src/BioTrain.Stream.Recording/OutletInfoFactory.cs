using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using BioTrain.Stream.Formats.Xdf;
using BioTrain.Stream.Lsl;
using BioTrain.Stream.Lsl.Info;

namespace BioTrain.Stream.Recording;

/// <summary>The LSL stream info a replayed stream is published with: the recorded header's fields and desc tree.</summary>
internal static class OutletInfoFactory
{
    public static StreamInfo Create(ReplayStream stream, string source)
    {
        var info = stream.Info;
        if (!ChannelFormatExtensions.TryParseLslName(info.ChannelFormat.ToXdfName(), out var format))
        {
            throw new NotSupportedException($"stream {stream.StreamId} ({info.Name}) has channel format {info.ChannelFormat}, which LSL cannot publish");
        }
        // LSL needs a name; a header without one still gets a recognisable stream.
        var name = info.Name.Length > 0 ? info.Name : string.Create(CultureInfo.InvariantCulture, $"stream{stream.StreamId}");
        var sourceId = info.SourceId.Length > 0 ? info.SourceId : DerivedSourceId(stream, source);
        var published = new StreamInfo(name, info.Type, info.ChannelCount, info.NominalSrate, format, sourceId);
        if (info.Desc is { } desc)
        {
            foreach (var element in desc.Elements())
            {
                published.Desc.Add(new XElement(element));
            }
        }
        else if (info.Channels.Count > 0)
        {
            published.AddChannels(info.Channels.Select(c => new ChannelDescription(c.Label, c.Unit, c.Type)));
        }
        return published;
    }

    /// <summary>
    /// A source_id for a stream recorded without one: the same for every replay of the same file, so an
    /// inlet that lost a replayed stream finds it again when the replay is restarted (LSL recovery needs one).
    /// </summary>
    internal static string DerivedSourceId(ReplayStream stream, string source)
    {
        var key = string.Create(CultureInfo.InvariantCulture,
            $"{Path.GetFileName(source)}|{stream.StreamId}|{stream.Info.Name}|{stream.Info.Type}|{stream.Info.ChannelCount}|{stream.Info.ChannelFormat}|{stream.Info.NominalSrate:R}");
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        return "replay-" + Convert.ToHexStringLower(hash.AsSpan(0, 8));
    }
}
