using BioTrain.Stream.Formats.Xdf;

namespace BioTrain.Stream.Recording;

/// <summary>
/// A recording loaded for replay: its streams on one time axis. Built by <see cref="RecordingLoader"/>
/// from XDF (clock offsets applied, so streams from several hosts line up) or EDF/EDF+/BDF.
/// </summary>
public sealed class ReplayRecording
{
    internal ReplayRecording(string source, IReadOnlyList<ReplayStream> streams, bool hasLslClock, IReadOnlyList<string> notes)
    {
        Source = source;
        Streams = streams;
        HasLslClock = hasLslClock;
        Notes = notes;
        var withSamples = streams.Where(s => s.SampleCount > 0).ToList();
        StartTime = withSamples.Count > 0 ? withSamples.Min(s => s.Timestamps[0]) : 0.0;
        EndTime = withSamples.Count > 0 ? withSamples.Max(s => s.Timestamps[^1]) : 0.0;
    }

    /// <summary>Where it came from (a file path), for reports.</summary>
    public string Source { get; }

    public IReadOnlyList<ReplayStream> Streams { get; }

    /// <summary>
    /// True when the timestamps are LSL clock times (XDF). EDF/BDF times are seconds from the start of
    /// the file, which mean nothing to an LSL consumer, so such recordings are always restamped.
    /// </summary>
    public bool HasLslClock { get; }

    /// <summary>What the readers found wrong or noteworthy (missing footers, truncated records, ...).</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>The earliest timestamp of any stream: time 0 of the replay.</summary>
    public double StartTime { get; }

    public double EndTime { get; }

    public double Duration => EndTime - StartTime;

    /// <summary>Builds a recording from an XDF file already read.</summary>
    public static ReplayRecording FromXdf(XdfFile file, string source, bool hasLslClock = true)
    {
        ArgumentNullException.ThrowIfNull(file);
        var streams = file.Streams.Select(s => new ReplayStream(s.StreamId, s.Info, s.Timestamps, s.Data, 0, s.SampleCount)).ToList();
        return new ReplayRecording(source, streams, hasLslClock, file.Problems.Select(p => p.ToString()).ToList());
    }

    /// <summary>
    /// The part from <paramref name="fromSeconds"/> after <see cref="StartTime"/>, <paramref name="durationSeconds"/>
    /// long (to the end when null); shares the values with this recording.
    /// </summary>
    public ReplayRecording Slice(double fromSeconds, double? durationSeconds = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fromSeconds);
        var from = StartTime + fromSeconds;
        var to = durationSeconds is { } d ? from + d : double.PositiveInfinity;
        return new ReplayRecording(Source, Streams.Select(s => s.Slice(from, to)).ToList(), HasLslClock, Notes);
    }
}
