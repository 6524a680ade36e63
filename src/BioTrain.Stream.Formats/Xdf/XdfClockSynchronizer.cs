namespace BioTrain.Stream.Formats.Xdf;

/// <summary>
/// Maps a stream's timestamps onto the recorder's clock from its ClockOffset chunks, as XDF importers do:
/// the offsets are split into segments at clock resets (a step back in collection time, or a jump in
/// value larger than the threshold), a least-squares line value = a + b·time is fitted per segment, and
/// each sample gets the line of its segment evaluated at its own timestamp added to it. A linear fit
/// (rather than libxdf's last-offset-before-the-sample) smooths the jitter of single measurements and
/// follows clock drift between them.
/// </summary>
public static class XdfClockSynchronizer
{
    public static double[] Apply(ReadOnlySpan<double> timestamps, IReadOnlyList<XdfClockOffset> offsets, double resetThresholdSeconds)
    {
        var result = timestamps.ToArray();
        if (offsets.Count == 0 || result.Length == 0)
        {
            return result;
        }
        var segments = FitSegments(offsets, resetThresholdSeconds);
        var current = 0;
        for (var i = 0; i < result.Length; i++)
        {
            var t = timestamps[i];
            if (current + 1 < segments.Count)
            {
                var steppedBack = i > 0 && t < timestamps[i - 1] - resetThresholdSeconds;
                var reachedNext = segments[current + 1].FirstTime >= segments[current].LastTime && t >= segments[current + 1].FirstTime;
                if (steppedBack || reachedNext)
                {
                    current++;
                }
            }
            result[i] = t + segments[current].ValueAt(t);
        }
        return result;
    }

    /// <summary>One fitted line per clock segment, in file order.</summary>
    public static IReadOnlyList<ClockSegment> FitSegments(IReadOnlyList<XdfClockOffset> offsets, double resetThresholdSeconds)
    {
        var segments = new List<ClockSegment>();
        var start = 0;
        for (var i = 1; i <= offsets.Count; i++)
        {
            var reset = i == offsets.Count
                || offsets[i].CollectionTime < offsets[i - 1].CollectionTime
                || Math.Abs(offsets[i].Value - offsets[i - 1].Value) > resetThresholdSeconds;
            if (reset)
            {
                segments.Add(ClockSegment.Fit(offsets, start, i - start));
                start = i;
            }
        }
        return segments;
    }

    /// <summary>value(t) = Intercept + Slope·(t − Centre) over the offsets collected between FirstTime and LastTime.</summary>
    public sealed record ClockSegment(double Centre, double Intercept, double Slope, double FirstTime, double LastTime)
    {
        public double ValueAt(double time) => Intercept + (Slope * (time - Centre));

        internal static ClockSegment Fit(IReadOnlyList<XdfClockOffset> offsets, int start, int count)
        {
            // Centring the times keeps the fit well conditioned with LSL clocks of ~1e6 s.
            double meanTime = 0, meanValue = 0;
            for (var i = start; i < start + count; i++)
            {
                meanTime += offsets[i].CollectionTime;
                meanValue += offsets[i].Value;
            }
            meanTime /= count;
            meanValue /= count;
            double covariance = 0, variance = 0;
            for (var i = start; i < start + count; i++)
            {
                var dt = offsets[i].CollectionTime - meanTime;
                covariance += dt * (offsets[i].Value - meanValue);
                variance += dt * dt;
            }
            var slope = variance > 1e-12 ? covariance / variance : 0.0;
            return new ClockSegment(meanTime, meanValue, slope, offsets[start].CollectionTime, offsets[start + count - 1].CollectionTime);
        }
    }
}
