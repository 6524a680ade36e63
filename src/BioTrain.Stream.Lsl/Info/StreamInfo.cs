using System.Globalization;
using System.Xml.Linq;
using BioTrain.Stream.Lsl.Config;

namespace BioTrain.Stream.Lsl.Info;

/// <summary>
/// The description of a stream: its fixed fields, its network endpoints and its free-form <c>desc</c>
/// tree. Serialises to the shortinfo/fullinfo XML exactly as liblsl writes it.
/// </summary>
public sealed class StreamInfo
{
    public StreamInfo(string name, string type, int channelCount, double nominalSrate, ChannelFormat channelFormat, string sourceId = "")
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(sourceId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channelCount);
        if (!double.IsFinite(nominalSrate) || nominalSrate < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(nominalSrate), nominalSrate, "must be finite and >= 0");
        }

        if (!channelFormat.IsNumeric() && channelFormat != ChannelFormat.String)
        {
            throw new ArgumentOutOfRangeException(nameof(channelFormat), channelFormat, "undefined channel format");
        }

        Name = name;
        Type = type;
        ChannelCount = channelCount;
        NominalSrate = nominalSrate;
        ChannelFormat = channelFormat;
        SourceId = sourceId;
        Uid = Guid.NewGuid().ToString("D");
        CreatedAt = LslClock.LocalClock();
        Hostname = System.Net.Dns.GetHostName();
    }

    private StreamInfo()
    {
    }

    public string Name { get; private set; } = string.Empty;
    public string Type { get; private set; } = string.Empty;
    public int ChannelCount { get; private set; }
    public double NominalSrate { get; private set; }
    public ChannelFormat ChannelFormat { get; private set; }
    public string SourceId { get; private set; } = string.Empty;

    /// <summary>Protocol version × 100 (110 for 1.10, 100 for 1.00).</summary>
    public int Version { get; internal set; } = LslConstants.ProtocolVersion;

    public double CreatedAt { get; internal set; }
    public string Uid { get; internal set; } = string.Empty;
    public string SessionId { get; internal set; } = "default";
    public string Hostname { get; internal set; } = string.Empty;
    public string V4Address { get; internal set; } = string.Empty;
    public int V4DataPort { get; internal set; }
    public int V4ServicePort { get; internal set; }
    public string V6Address { get; internal set; } = string.Empty;
    public int V6DataPort { get; internal set; }
    public int V6ServicePort { get; internal set; }

    /// <summary>The user's metadata tree (<c>&lt;desc&gt;</c>), e.g. channels, manufacturer.</summary>
    public XElement Desc { get; private set; } = new("desc");

    public bool IsIrregular => NominalSrate == LslConstants.IrregularRate;

    /// <summary>Bytes per numeric sample (0 for strings).</summary>
    public int SampleBytes => ChannelCount * ChannelFormat.ValueSize();

    /// <summary>Adds <c>desc/channels/channel</c> entries with label, unit and type.</summary>
    public StreamInfo AddChannels(IEnumerable<ChannelDescription> channels)
    {
        ArgumentNullException.ThrowIfNull(channels);
        var container = Desc.Element("channels");
        if (container is null)
        {
            container = new XElement("channels");
            Desc.Add(container);
        }

        foreach (var c in channels)
        {
            container.Add(new XElement("channel", new XElement("label", c.Label), new XElement("unit", c.Unit), new XElement("type", c.Type)));
        }

        return this;
    }

    /// <summary>The <c>desc/channels/channel</c> entries (missing fields are empty strings).</summary>
    public IReadOnlyList<ChannelDescription> GetChannels() =>
        Desc.Element("channels")?.Elements("channel")
            .Select(c => new ChannelDescription(
                (string?)c.Element("label") ?? string.Empty,
                (string?)c.Element("unit") ?? string.Empty,
                (string?)c.Element("type") ?? string.Empty))
            .ToList() ?? [];

    /// <summary>The shortinfo document: all fields and an empty <c>&lt;desc /&gt;</c>.</summary>
    public string ToShortInfoXml() => StreamInfoXml.Write(this, includeDesc: false);

    /// <summary>The fullinfo document, with the <c>desc</c> tree.</summary>
    public string ToFullInfoXml() => StreamInfoXml.Write(this, includeDesc: true);

    /// <summary>Parses and validates a shortinfo or fullinfo document from a peer.</summary>
    public static StreamInfo FromXml(string xml, LslConfig? limits = null) => StreamInfoXml.Read(xml, limits ?? LslConfig.Default);

    /// <summary>A deep copy (the desc tree is copied too).</summary>
    public StreamInfo Clone()
    {
        var copy = (StreamInfo)MemberwiseClone();
        copy.Desc = new XElement(Desc);
        return copy;
    }

    internal static StreamInfo CreateEmpty() => new();

    internal void SetCoreFields(string name, string type, int channelCount, double nominalSrate, ChannelFormat format, string sourceId)
    {
        Name = name;
        Type = type;
        ChannelCount = channelCount;
        NominalSrate = nominalSrate;
        ChannelFormat = format;
        SourceId = sourceId;
    }

    internal void SetDesc(XElement desc) => Desc = desc;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Name} ({Type}, {ChannelCount} ch {ChannelFormat.ToLslName()} @ {NominalSrate} Hz, source_id '{SourceId}', uid {Uid})");
}
