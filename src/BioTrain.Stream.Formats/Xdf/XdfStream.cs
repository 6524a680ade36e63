namespace BioTrain.Stream.Formats.Xdf;

/// <summary>One stream of a read XDF file: header, samples with timestamps, clock offsets and footer.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "An XDF stream is the format's own term, not a System.IO.Stream.")]
public sealed class XdfStream
{
    internal XdfStream(uint streamId, XdfStreamInfo info, double[] timestamps, XdfSampleData data,
        IReadOnlyList<XdfClockOffset> clockOffsets, XdfStreamFooter? footer, bool clockCorrected)
    {
        StreamId = streamId;
        Info = info;
        Timestamps = timestamps;
        Data = data;
        ClockOffsets = clockOffsets;
        Footer = footer;
        TimestampsAreClockCorrected = clockCorrected;
    }

    /// <summary>The id the file uses for this stream (LabRecorder: 1, 2, 3, ...).</summary>
    public uint StreamId { get; }

    /// <summary>The parsed StreamHeader; <see cref="XdfStreamInfo.Xml"/> is its raw XML.</summary>
    public XdfStreamInfo Info { get; }

    /// <summary>One timestamp per sample, seconds: raw stream clock, or recorder clock when clock offsets were applied.</summary>
    public double[] Timestamps { get; }

    /// <summary>Whether <see cref="Timestamps"/> have the clock offsets applied (<see cref="XdfReadOptions.ApplyClockOffsets"/>).</summary>
    public bool TimestampsAreClockCorrected { get; }

    public XdfSampleData Data { get; }

    /// <summary>ClockOffset chunks of this stream in file order (raw values, never altered).</summary>
    public IReadOnlyList<XdfClockOffset> ClockOffsets { get; }

    /// <summary>The StreamFooter, or null when the file has none for this stream.</summary>
    public XdfStreamFooter? Footer { get; }

    public int SampleCount => Timestamps.Length;

    public override string ToString() =>
        $"{StreamId}: {Info.Name} ({Info.Type}, {Info.ChannelCount} x {Info.ChannelFormat.ToXdfName()} @ {Info.NominalSrate} Hz, {SampleCount} samples)";
}
