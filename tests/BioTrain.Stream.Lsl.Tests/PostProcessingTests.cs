using BioTrain.Stream.Lsl.Inlet;

namespace BioTrain.Stream.Lsl.Tests;

public class PostProcessingTests
{
    [Fact]
    public void Dejitter_fits_a_line_through_jittered_timestamps_of_a_regular_stream()
    {
        var random = new Random(7);
        var dejitter = new Dejitterer(1000.37, 100, 90);
        double rawError = 0, smoothError = 0;
        for (var n = 0; n < 3000; n++)
        {
            var truth = 1000.37 + (n / 100.0);
            var jittered = truth + (random.NextDouble() * 0.004);
            var smoothed = dejitter.Process(jittered);
            if (n >= 1000)
            {
                rawError += Math.Abs(jittered - truth - 0.002);
                smoothError += Math.Abs(smoothed - truth - 0.002);
            }
        }

        Assert.True(smoothError < rawError / 5, $"smoothed {smoothError} vs raw {rawError}");
    }

    [Fact]
    public void Dejitter_leaves_irregular_streams_alone()
    {
        var dejitter = new Dejitterer(5.5, 0, 90);
        Assert.False(dejitter.Applies);
        Assert.Equal(7.25, dejitter.Process(7.25));
    }

    [Fact]
    public void Clock_sync_adds_the_correction_and_a_reset_restarts_monotonize()
    {
        var correction = 2.0;
        var reset = false;
        var processor = new TimestampPostProcessor(ProcessingOptions.ClockSync | ProcessingOptions.Monotonize, 100, 90, () => correction, () => reset);
        Assert.Equal(12.0, processor.Process(10.0));
        Assert.Equal(12.0, processor.Process(9.0));
        Assert.Equal(12.5, processor.Process(10.5));
    }
}
