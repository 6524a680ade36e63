using System.Xml.Linq;

namespace BioTrain.Stream.Formats.Xdf;

/// <summary>
/// A stream's header: the fields readers need, the channel metadata, and the raw XML (an LSL fullinfo
/// when LabRecorder wrote it). Build one to write a stream, or get one from <see cref="Parse"/>.
/// </summary>
public sealed class XdfStreamInfo
{
    public required string Name { get; init; }
    public string Type { get; init; } = "";
    public required int ChannelCount { get; init; }
    public required XdfChannelFormat ChannelFormat { get; init; }

    /// <summary>Samples per second; 0 means irregular (markers).</summary>
    public double NominalSrate { get; init; }

    public string SourceId { get; init; } = "";
    public string Uid { get; init; } = "";
    public string Hostname { get; init; } = "";

    /// <summary>LSL clock time when the outlet was created; LSL needs it non-zero.</summary>
    public double CreatedAt { get; init; }

    /// <summary><c>desc/channels/channel</c> entries; empty when the header has none.</summary>
    public IReadOnlyList<XdfChannelInfo> Channels { get; init; } = [];

    /// <summary>The whole <c>desc</c> element (other metadata: acquisition, reference, ...), when there is one.</summary>
    public XElement? Desc { get; init; }

    /// <summary>The header XML exactly as read, or null for an info built in code.</summary>
    public string? Xml { get; init; }

    public bool IsIrregular => NominalSrate <= 0;

    /// <summary>Parses a StreamHeader's XML. Throws <see cref="FormatException"/> when a required field is missing or bad.</summary>
    public static XdfStreamInfo Parse(string xml)
    {
        var root = XdfXml.TryParseRoot(xml) ?? throw new FormatException("stream header is not well-formed XML");
        if (root.Name.LocalName != "info")
        {
            throw new FormatException($"stream header root is <{root.Name.LocalName}>, expected <info>");
        }
        if (!XdfXml.TryLong(XdfXml.Text(root, "channel_count"), out var channelCount) || channelCount is < 0 or > int.MaxValue)
        {
            throw new FormatException("stream header: channel_count is missing or not a non-negative integer");
        }
        var format = XdfChannelFormats.Parse(XdfXml.Text(root, "channel_format"));
        if (format == XdfChannelFormat.Undefined)
        {
            throw new FormatException($"stream header: unknown channel_format '{XdfXml.Text(root, "channel_format")}'");
        }
        if (!XdfXml.TryDouble(XdfXml.Text(root, "nominal_srate"), out var srate) || srate < 0 || !double.IsFinite(srate))
        {
            throw new FormatException("stream header: nominal_srate is missing or not a non-negative number");
        }
        var desc = root.Element("desc");
        return new XdfStreamInfo
        {
            Name = XdfXml.Text(root, "name"),
            Type = XdfXml.Text(root, "type"),
            ChannelCount = (int)channelCount,
            ChannelFormat = format,
            NominalSrate = srate,
            SourceId = XdfXml.Text(root, "source_id"),
            Uid = XdfXml.Text(root, "uid"),
            Hostname = XdfXml.Text(root, "hostname"),
            CreatedAt = XdfXml.OptionalDouble(root, "created_at") ?? 0,
            Channels = ReadChannels(desc),
            Desc = desc,
            Xml = xml,
        };
    }

    /// <summary>
    /// The header XML: the raw XML when this info was parsed, otherwise an LSL-style info document with
    /// <c>desc/channels/channel/{label,unit,type}</c> and any other <see cref="Desc"/> children kept.
    /// </summary>
    public string ToXml()
    {
        if (Xml is not null)
        {
            return Xml;
        }
        var desc = new XElement("desc");
        if (Channels.Count > 0)
        {
            desc.Add(new XElement("channels", Channels.Select(ChannelElement)));
        }
        if (Desc is not null)
        {
            // Channels given in code win over a channels element in Desc; everything else is kept.
            desc.Add(Desc.Elements().Where(e => Channels.Count == 0 || e.Name.LocalName != "channels").Select(e => new XElement(e)));
        }
        var root = new XElement("info",
            new XElement("name", Name),
            new XElement("type", Type),
            new XElement("channel_count", XdfXml.Format(ChannelCount)),
            new XElement("channel_format", ChannelFormat.ToXdfName()),
            new XElement("source_id", SourceId),
            new XElement("nominal_srate", XdfXml.Format(NominalSrate)),
            new XElement("version", "1.1"),
            new XElement("created_at", XdfXml.Format(CreatedAt)),
            new XElement("uid", Uid),
            new XElement("session_id", "default"),
            new XElement("hostname", Hostname),
            desc);
        return XdfXml.WithDeclaration(root);
    }

    private static XElement ChannelElement(XdfChannelInfo channel)
    {
        var element = new XElement("channel", new XElement("label", channel.Label));
        if (channel.Unit.Length > 0)
        {
            element.Add(new XElement("unit", channel.Unit));
        }
        if (channel.Type.Length > 0)
        {
            element.Add(new XElement("type", channel.Type));
        }
        return element;
    }

    private static List<XdfChannelInfo> ReadChannels(XElement? desc)
    {
        var channels = desc?.Element("channels")?.Elements("channel");
        if (channels is null)
        {
            return [];
        }
        // "label" is the convention; some writers use "name" instead (pylsl #100).
        return channels.Select(c => new XdfChannelInfo(
            c.Element("label")?.Value.Trim() ?? c.Element("name")?.Value.Trim() ?? "",
            XdfXml.Text(c, "unit"),
            XdfXml.Text(c, "type"))).ToList();
    }
}
