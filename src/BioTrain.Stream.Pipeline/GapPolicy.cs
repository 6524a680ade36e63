namespace BioTrain.Stream.Pipeline;

/// <summary>
/// When two consecutive timestamps of a regular stream mean samples are missing. With step dt and
/// nominal period T: dt &gt; (1 + Tolerance) T is a gap of round(dt / T) - 1 missing samples (at least
/// 1); dt &lt; -Tolerance T is a jump back (a clock reset); anything between is jitter. Irregular
/// streams (nominal rate 0) never have gaps. Dejittered LSL timestamps (inlet post-processing) keep
/// steps within a fraction of a period; raw chunk stamps may need a larger tolerance.
/// </summary>
public sealed record GapPolicy(double Tolerance = 0.5)
{
    /// <summary>A step above 1.5 periods is a gap; a step back of more than half a period is a jump back.</summary>
    public static GapPolicy Default { get; } = new();

    /// <summary>Sees no gaps and no jumps back (for streams known to be continuous, or to measure what gap handling costs).</summary>
    public static GapPolicy None { get; } = new(double.PositiveInfinity);

    /// <summary>Missing samples between two timestamps: 0 continuous, &gt; 0 a gap, -1 a jump back.</summary>
    public long MissingBetween(double previous, double next, double nominalRate)
    {
        if (nominalRate <= 0)
        {
            return 0;
        }
        var steps = (next - previous) * nominalRate;
        if (steps > 1 + Tolerance)
        {
            return Math.Max(1, (long)Math.Round(steps) - 1);
        }
        return steps < -Tolerance ? -1 : 0;
    }
}
