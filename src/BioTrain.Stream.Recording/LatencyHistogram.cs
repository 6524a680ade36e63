using System.Numerics;

namespace BioTrain.Stream.Recording;

/// <summary>
/// Counts durations in microseconds with 64 sub-buckets per power of two (about 1.6 % resolution) up to
/// about 12 days, in a fixed 18 KB array: a replay that loops for days keeps constant memory, and median
/// and p99 stay exact to that resolution. The maximum is kept exactly.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int Linear = 128;
    private const int SubBuckets = 64;
    private const int MaxExponent = 40;
    private readonly long[] _counts = new long[Linear + (MaxExponent * SubBuckets)];

    public long Count { get; private set; }

    public double MaxSeconds { get; private set; }

    public void Add(double seconds)
    {
        var clamped = Math.Max(0.0, seconds);
        var micros = (long)Math.Min(clamped * 1e6, (double)(1L << (MaxExponent + 6)) - 1);
        _counts[Index(micros)]++;
        Count++;
        MaxSeconds = Math.Max(MaxSeconds, clamped);
    }

    /// <summary>The value at quantile <paramref name="q"/> (0..1), in seconds: the middle of its bucket, never above the maximum.</summary>
    public double Quantile(double q)
    {
        if (Count == 0)
        {
            return 0.0;
        }
        var rank = Math.Max(1, (long)Math.Ceiling(q * Count));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                var middle = (LowerBound(i) + LowerBound(i + 1)) / 2.0;
                return Math.Min(middle * 1e-6, MaxSeconds);
            }
        }
        return MaxSeconds;
    }

    public TimingSummary Summary() => new()
    {
        Count = Count,
        MedianMs = Quantile(0.5) * 1e3,
        P99Ms = Quantile(0.99) * 1e3,
        MaxMs = MaxSeconds * 1e3,
    };

    internal static int Index(long micros)
    {
        if (micros < Linear)
        {
            return (int)micros;
        }
        // micros >> exponent lands in [64, 128): one of 64 sub-buckets of this power of two.
        var exponent = 63 - BitOperations.LeadingZeroCount((ulong)micros) - 6;
        return Linear + ((exponent - 1) * SubBuckets) + (int)((micros >> exponent) - SubBuckets);
    }

    internal static long LowerBound(int index)
    {
        if (index < Linear)
        {
            return index;
        }
        var exponent = ((index - Linear) / SubBuckets) + 1;
        var mantissa = ((index - Linear) % SubBuckets) + SubBuckets;
        return (long)mantissa << exponent;
    }
}
