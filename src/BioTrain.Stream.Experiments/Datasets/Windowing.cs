using System.Reactive.Subjects;
using BioTrain.Stream.Pipeline;
using BioTrain.Stream.Pipeline.Operators;

namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>Cuts fixed-length windows out of labelled segments of a continuous, channel-major recording.</summary>
public static class Windowing
{
    /// <summary>
    /// Windows of <paramref name="length"/> samples every <paramref name="stride"/> samples, each wholly inside
    /// one segment (a window never straddles two trials or two labels). Segments shorter than a window give none.
    /// Each segment goes as a stream through the session pipeline's sliding windower
    /// (<see cref="SignalOperators.SlidingWindows"/>, what a live session predicts on), so the experiments cut
    /// windows with the daemon's code; the windows start at the segment's start, at <see cref="Places"/>.
    /// </summary>
    public static List<RawWindow> Cut(IReadOnlyList<float[]> channels, IEnumerable<Segment> segments, int length, int stride)
    {
        ArgumentNullException.ThrowIfNull(channels);
        ArgumentNullException.ThrowIfNull(segments);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        var total = channels.Count == 0 ? 0 : channels[0].Length;
        var windows = new List<RawWindow>();
        foreach (var segment in segments)
        {
            var (start, end) = (Math.Max(0, segment.Start), Math.Min(total, segment.End));
            if (end - start >= length)
            {
                windows.AddRange(SlidingWindows(channels, start, end, length, stride).Select(values => new RawWindow(values, segment.Label, segment.Trial)));
            }
        }

        return windows;
    }

    /// <summary>Samples [start, end) as one regular stream (a sample a second, stamped with its index) through the pipeline's windower.</summary>
    private static List<float[]> SlidingWindows(IReadOnlyList<float[]> channels, int start, int end, int length, int stride)
    {
        var count = end - start;
        var result = new List<float[]>(((count - length) / stride) + 1);
        using var source = new Subject<SignalChunk>();
        using var windows = source.SlidingWindows(length, stride).Subscribe(w => result.Add(w.Values.ToArray()));
        using var chunk = new SignalChunk(channels.Count, nominalRate: 1, sourceId: "segment", capacity: count);
        chunk.SetSampleCount(count);
        var values = chunk.Values;
        var timestamps = chunk.Timestamps;
        for (var i = 0; i < count; i++)
        {
            timestamps[i] = start + i;
            for (var c = 0; c < channels.Count; c++)
            {
                values[(i * channels.Count) + c] = channels[c][start + i];
            }
        }

        source.OnNext(chunk);
        source.OnCompleted();
        return result;
    }

    /// <summary>Where <see cref="Cut"/> cuts, in its order: each window's first sample and its segment, in a recording of <paramref name="total"/> samples.</summary>
    public static IEnumerable<(int Start, Segment Segment)> Places(IEnumerable<Segment> segments, int total, int length, int stride)
    {
        ArgumentNullException.ThrowIfNull(segments);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        return Iterate();

        IEnumerable<(int, Segment)> Iterate()
        {
            foreach (var segment in segments)
            {
                var end = Math.Min(total, segment.End);
                for (var s = Math.Max(0, segment.Start); s + length <= end; s += stride)
                {
                    yield return (s, segment);
                }
            }
        }
    }

    /// <summary>Contiguous runs of one label (labels below 0 are not segments), each run its own trial.</summary>
    public static List<Segment> Runs(IReadOnlyList<int> labels, int firstTrial = 0)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var segments = new List<Segment>();
        var start = 0;
        for (var i = 1; i <= labels.Count; i++)
        {
            if (i == labels.Count || labels[i] != labels[start])
            {
                if (labels[start] >= 0)
                {
                    segments.Add(new Segment(start, i, labels[start], firstTrial + segments.Count));
                }

                start = i;
            }
        }

        return segments;
    }
}
