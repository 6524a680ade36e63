namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>Cue-locked epochs, cropped into overlapping windows (the "cropped training" of EEG decoding).</summary>
public static class CueEpochs
{
    /// <summary>
    /// For every cue, windows of <paramref name="window"/> samples every <paramref name="stride"/> samples inside
    /// [cue + <paramref name="from"/>, cue + <paramref name="to"/>) seconds. <paramref name="sampleIndex"/> maps
    /// a time to a sample index (sample rate arithmetic, or a search in a stream's timestamps).
    /// </summary>
    public static List<RawWindow> Cut(IReadOnlyList<float[]> channels, IEnumerable<Cue> cues, Func<double, int> sampleIndex, double rate,
        double from, double to, int window, int stride, int firstTrial = 0)
    {
        ArgumentNullException.ThrowIfNull(cues);
        ArgumentNullException.ThrowIfNull(sampleIndex);
        var segments = cues.Select((cue, i) =>
        {
            var start = sampleIndex(cue.Time + from);
            return new Segment(start, start + (int)Math.Round((to - from) * rate), cue.Label, firstTrial + i);
        });
        return Windowing.Cut(channels, segments, window, stride);
    }

    /// <summary>Channel-major copies of the chosen channels of an interleaved (sample-major) stream.</summary>
    public static float[][] Deinterleave(float[] interleaved, int channelCount, IReadOnlyList<int> chosen)
    {
        ArgumentNullException.ThrowIfNull(interleaved);
        ArgumentNullException.ThrowIfNull(chosen);
        var samples = interleaved.Length / channelCount;
        var result = chosen.Select(_ => new float[samples]).ToArray();
        for (var n = 0; n < samples; n++)
        {
            for (var i = 0; i < chosen.Count; i++)
            {
                result[i][n] = interleaved[(n * channelCount) + chosen[i]];
            }
        }

        return result;
    }

    /// <summary>Index of the first timestamp at or after <paramref name="time"/>.</summary>
    public static int IndexAt(double[] timestamps, double time)
    {
        ArgumentNullException.ThrowIfNull(timestamps);
        var i = Array.BinarySearch(timestamps, time);
        return i >= 0 ? i : ~i;
    }
}
