namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>Cuts fixed-length windows out of labelled segments of a continuous, channel-major recording.</summary>
public static class Windowing
{
    /// <summary>
    /// Windows of <paramref name="length"/> samples every <paramref name="stride"/> samples, each wholly inside
    /// one segment (a window never straddles two trials or two labels). Segments shorter than a window give none.
    /// </summary>
    public static List<RawWindow> Cut(IReadOnlyList<float[]> channels, IEnumerable<Segment> segments, int length, int stride)
    {
        ArgumentNullException.ThrowIfNull(channels);
        var total = channels.Count == 0 ? 0 : channels[0].Length;
        var windows = new List<RawWindow>();
        foreach (var (start, segment) in Places(segments, total, length, stride))
        {
            var values = new float[channels.Count * length];
            for (var c = 0; c < channels.Count; c++)
            {
                channels[c].AsSpan(start, length).CopyTo(values.AsSpan(c * length, length));
            }

            windows.Add(new RawWindow(values, segment.Label, segment.Trial));
        }

        return windows;
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
