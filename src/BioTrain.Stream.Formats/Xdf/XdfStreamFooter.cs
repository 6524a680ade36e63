using System.Xml.Linq;

namespace BioTrain.Stream.Formats.Xdf;

/// <summary>A StreamFooter: what the recorder saw of the stream, plus the clock offsets repeated.</summary>
public sealed class XdfStreamFooter
{
    public double? FirstTimestamp { get; init; }
    public double? LastTimestamp { get; init; }
    public long? SampleCount { get; init; }
    public double? MeasuredSrate { get; init; }
    public IReadOnlyList<XdfClockOffset> ClockOffsets { get; init; } = [];

    /// <summary>The footer XML exactly as read, or null for a footer built in code.</summary>
    public string? Xml { get; init; }

    /// <summary>Parses a footer's XML; missing fields stay null. Throws <see cref="FormatException"/> when not XML.</summary>
    public static XdfStreamFooter Parse(string xml)
    {
        var root = XdfXml.TryParseRoot(xml) ?? throw new FormatException("stream footer is not well-formed XML");
        var offsets = root.Element("clock_offsets")?.Elements("offset")
            .Select(o => (time: XdfXml.OptionalDouble(o, "time"), value: XdfXml.OptionalDouble(o, "value")))
            .Where(o => o.time.HasValue && o.value.HasValue)
            .Select(o => new XdfClockOffset(o.time!.Value, o.value!.Value))
            .ToList() ?? [];
        long? count = XdfXml.TryLong(XdfXml.Text(root, "sample_count"), out var n) ? n : null;
        return new XdfStreamFooter
        {
            FirstTimestamp = XdfXml.OptionalDouble(root, "first_timestamp"),
            LastTimestamp = XdfXml.OptionalDouble(root, "last_timestamp"),
            SampleCount = count,
            MeasuredSrate = XdfXml.OptionalDouble(root, "measured_srate"),
            ClockOffsets = offsets,
            Xml = xml,
        };
    }

    /// <summary>The footer in LabRecorder's layout.</summary>
    public string ToXml()
    {
        if (Xml is not null)
        {
            return Xml;
        }
        var root = new XElement("info");
        // LabRecorder writes 0 for the timestamps of a stream that got no samples.
        root.Add(new XElement("first_timestamp", XdfXml.Format(FirstTimestamp ?? 0)));
        root.Add(new XElement("last_timestamp", XdfXml.Format(LastTimestamp ?? 0)));
        root.Add(new XElement("sample_count", XdfXml.Format(SampleCount ?? 0)));
        if (MeasuredSrate is { } measured)
        {
            root.Add(new XElement("measured_srate", XdfXml.Format(measured)));
        }
        root.Add(new XElement("clock_offsets", ClockOffsets.Select(o => new XElement("offset",
            new XElement("time", XdfXml.Format(o.CollectionTime)),
            new XElement("value", XdfXml.Format(o.Value))))));
        return "<?xml version=\"1.0\"?>" + root.ToString(SaveOptions.DisableFormatting);
    }
}
