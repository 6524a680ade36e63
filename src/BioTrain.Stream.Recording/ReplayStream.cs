using BioTrain.Stream.Formats.Xdf;

namespace BioTrain.Stream.Recording;

/// <summary>
/// One stream of a recording to replay: its header, and a window (<see cref="FirstSample"/>,
/// <see cref="SampleCount"/>) onto the file's timestamps and values, so slicing copies nothing.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "An LSL/XDF stream is the domain's own term, not a System.IO.Stream.")]
public sealed class ReplayStream
{
    private readonly double[] _timestamps;

    internal ReplayStream(uint streamId, XdfStreamInfo info, double[] timestamps, XdfSampleData data, int firstSample, int sampleCount)
    {
        StreamId = streamId;
        Info = info;
        _timestamps = timestamps;
        Data = data;
        FirstSample = firstSample;
        SampleCount = sampleCount;
    }

    /// <summary>The stream's id in the file (LabRecorder: 1, 2, 3, ...).</summary>
    public uint StreamId { get; }

    /// <summary>The header as read (name, type, channels, format, rate, source_id, desc, raw XML).</summary>
    public XdfStreamInfo Info { get; }

    /// <summary>All values of the file's stream; the replayed ones are samples <see cref="FirstSample"/> .. + <see cref="SampleCount"/>.</summary>
    public XdfSampleData Data { get; }

    public int FirstSample { get; }

    public int SampleCount { get; }

    /// <summary>Timestamps of the replayed samples (on the recorder's clock when the file had clock offsets).</summary>
    public ReadOnlySpan<double> Timestamps => _timestamps.AsSpan(FirstSample, SampleCount);

    /// <summary>The replayed values of a numeric stream, interleaved sample-major.</summary>
    public ReadOnlySpan<T> GetValues<T>() where T : unmanaged =>
        Data.GetValues<T>().AsSpan(FirstSample * Info.ChannelCount, SampleCount * Info.ChannelCount);

    /// <summary>The replayed values of a string stream, interleaved sample-major.</summary>
    public ReadOnlySpan<string> GetStrings() =>
        Data.GetStrings().AsSpan(FirstSample * Info.ChannelCount, SampleCount * Info.ChannelCount);

    /// <summary>Samples per second measured over the timestamps; 0 with fewer than two samples.</summary>
    public double FileRate => SampleCount > 1 && Timestamps[^1] > Timestamps[0] ? (SampleCount - 1) / (Timestamps[^1] - Timestamps[0]) : 0.0;

    /// <summary>The samples whose timestamps fall in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    internal ReplayStream Slice(double from, double to)
    {
        var stamps = Timestamps;
        var first = 0;
        while (first < stamps.Length && stamps[first] < from)
        {
            first++;
        }
        var end = first;
        while (end < stamps.Length && stamps[end] < to)
        {
            end++;
        }
        return new ReplayStream(StreamId, Info, _timestamps, Data, FirstSample + first, end - first);
    }

    public override string ToString() => $"{StreamId}: {Info.Name} ({Info.Type}, {Info.ChannelCount} ch @ {Info.NominalSrate} Hz, {SampleCount} samples)";
}
