using System.Diagnostics;
using BioTrain.Stream.Device.Client;

namespace BioTrain.Stream.Device.Diagnostics;

/// <summary>
/// Link self-test: PINGs with payload sizes from 0 to the maximum, every echo checked byte for
/// byte (a mismatch throws), round trips summarised. Payloads are random bytes, zeros included,
/// so COBS stuffing is exercised at every size.
/// </summary>
public static class SelfTest
{
    /// <summary>Payloads up to this size count as "small" for <see cref="SelfTestResult.SmallMedianMs"/>.</summary>
    public const int SmallPayload = 64;

    public static async Task<SelfTestResult> RunAsync(DeviceClient client, SelfTestOptions? options, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        options ??= new SelfTestOptions();
        if (options.Count < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Count, "a self-test needs at least 2 PINGs");
        }

        var max = Math.Min(options.MaxPayload ?? client.MaxRequestPayload, client.MaxRequestPayload);
        var random = new Random(options.Seed);
        var source = new byte[max * 2 + 1];
        random.NextBytes(source);

        var sizes = new int[options.Count];
        for (var i = 0; i < sizes.Length; i++)
        {
            sizes[i] = (int)Math.Round((double)i * max / (sizes.Length - 1));
        }

        random.Shuffle(sizes);
        var rtts = new double[sizes.Length];
        var small = new List<double>();
        long bytes = 0;
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < sizes.Length; i++)
        {
            var offset = random.Next(0, source.Length - sizes[i] + 1);
            var rtt = await client.PingAsync(source.AsMemory(offset, sizes[i]), cancellationToken).ConfigureAwait(false);
            rtts[i] = rtt.TotalMilliseconds;
            if (sizes[i] <= SmallPayload)
            {
                small.Add(rtts[i]);
            }

            bytes += sizes[i];
            progress?.Report(i + 1);
        }

        var total = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Array.Sort(rtts);
        small.Sort();
        return new SelfTestResult(
            sizes.Length,
            max,
            bytes,
            Percentile(rtts, 0.50),
            Percentile(rtts, 0.99),
            rtts[0],
            rtts[^1],
            small.Count > 0 ? Percentile([.. small], 0.50) : double.NaN,
            total);
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
