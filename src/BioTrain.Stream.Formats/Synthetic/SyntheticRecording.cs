using System.Globalization;
using System.Xml.Linq;
using BioTrain.Stream.Formats.Xdf;

namespace BioTrain.Stream.Formats.Synthetic;

/// <summary>One cue: when it was shown and which class it asked for.</summary>
public sealed record SyntheticCue(double Time, string Label);

/// <summary>A generated recording of one subject: a float32 signal stream and its cue markers.</summary>
public sealed class SyntheticRecording
{
    public required string Modality { get; init; }
    public required string Subject { get; init; }
    public required string StreamName { get; init; }
    public required string StreamType { get; init; }
    public required double SampleRate { get; init; }
    public required IReadOnlyList<XdfChannelInfo> Channels { get; init; }

    /// <summary>Samples interleaved, sample-major, in physical units.</summary>
    public required float[] Samples { get; init; }

    public required double FirstTimestamp { get; init; }
    public required IReadOnlyList<SyntheticCue> Cues { get; init; }
    public required double TrialSeconds { get; init; }
    public required IReadOnlyList<string> Classes { get; init; }
    public required ulong Seed { get; init; }

    public int SampleCount => Samples.Length / Channels.Count;

    public double Timestamp(int sample) => FirstTimestamp + (sample / SampleRate);

    /// <summary>Writes the recording as LabRecorder would: 1-s chunks, clock offsets and boundaries every 5 s, footers.</summary>
    public void WriteXdf(System.IO.Stream output)
    {
        var source = $"biotrain-synthetic-{Modality}-{Subject}";
        var signal = new XdfStreamInfo
        {
            Name = StreamName, Type = StreamType, ChannelCount = Channels.Count, ChannelFormat = XdfChannelFormat.Float32,
            NominalSrate = SampleRate, SourceId = source, Uid = Uid(source), Hostname = "biotrain-synthetic", CreatedAt = FirstTimestamp,
            Channels = Channels, Desc = Description(),
        };
        var markers = new XdfStreamInfo
        {
            Name = StreamName + "-Markers", Type = "Markers", ChannelCount = 1, ChannelFormat = XdfChannelFormat.String,
            SourceId = source + "-markers", Uid = Uid(source + "-markers"), Hostname = "biotrain-synthetic", CreatedAt = FirstTimestamp,
        };
        SignalRecordingWriter.Write(output, signal, markers, Samples, FirstTimestamp, [.. Cues.Select(c => new TimedMarker(c.Time, c.Label))]);
    }

    private XElement Description() => new("desc",
        new XElement("synthetic",
            new XElement("generator", "biotrain data generate"),
            new XElement("seed", Seed.ToString(CultureInfo.InvariantCulture)),
            new XElement("subject", Subject),
            new XElement("trial_seconds", TrialSeconds.ToString("R", CultureInfo.InvariantCulture)),
            new XElement("classes", string.Join(",", Classes))));

    private static string Uid(string key)
    {
        var random = SeededRandom.For(0x5EED, key);
        Span<byte> bytes = stackalloc byte[16];
        BitConverter.TryWriteBytes(bytes, random.NextUInt64());
        BitConverter.TryWriteBytes(bytes[8..], random.NextUInt64());
        return new Guid(bytes).ToString();
    }
}
