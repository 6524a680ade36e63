namespace BioTrain.Stream.Recording.Tests;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void Buckets_are_contiguous_and_each_value_lands_in_its_own_bucket()
    {
        for (long micros = 0; micros < 1 << 20; micros += 1 + (micros / 97))
        {
            var index = LatencyHistogram.Index(micros);
            Assert.InRange(micros, LatencyHistogram.LowerBound(index), LatencyHistogram.LowerBound(index + 1) - 1);
        }
    }

    [Fact]
    public void Quantiles_are_within_two_percent_and_the_maximum_is_exact()
    {
        var histogram = new LatencyHistogram();
        for (var i = 1; i <= 1000; i++)
        {
            histogram.Add(i * 1e-5); // 10 µs .. 10 ms
        }
        histogram.Add(-1); // a negative error counts as 0

        var summary = histogram.Summary();
        Assert.Equal(1001, summary.Count);
        Assert.Equal(5.0, summary.MedianMs, 0.1);
        Assert.Equal(9.9, summary.P99Ms, 0.2);
        Assert.Equal(10.0, summary.MaxMs, 9);
    }

    [Fact]
    public void An_empty_histogram_reports_zeros()
    {
        var summary = new LatencyHistogram().Summary();
        Assert.Equal((0L, 0.0, 0.0, 0.0), (summary.Count, summary.MedianMs, summary.P99Ms, summary.MaxMs));
    }
}
