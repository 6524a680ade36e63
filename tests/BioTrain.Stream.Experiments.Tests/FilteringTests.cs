using BioTrain.Stream.Experiments.Datasets;
using BioTrain.Stream.Pipeline.Dsp;

namespace BioTrain.Stream.Experiments.Tests;

/// <summary>The experiments filter recordings with the daemon's operator (causal) or zero-phase, on request.</summary>
public class FilteringTests
{
    private const double Rate = 200;

    [Fact]
    public void Causal_filtering_is_the_pipeline_operator_over_the_whole_recording()
    {
        // 10 000 samples: more than two of the operator's chunks, so state must carry across them.
        var channels = Signal(10_000, 3);
        var expected = Interleave(channels);
        var sections = Butterworth.BandPass(4, 20, 95, Rate).Then(Notch.Design(50, 30, Rate));
        var reference = new SosFilter(sections, channels.Length);
        reference.ResetToSteadyState(expected.AsSpan(0, channels.Length)); // the operator starts from its first sample's steady state
        reference.Process(expected);

        Filtering.EmgMyo.Apply(channels, Rate);

        for (var c = 0; c < channels.Length; c++)
        {
            for (var i = 0; i < channels[c].Length; i++)
            {
                Assert.Equal(expected[(i * channels.Length) + c], channels[c][i]);
            }
        }
    }

    [Fact]
    public void Zero_phase_filtering_differs_from_causal_and_keeps_a_sine_in_phase()
    {
        var causal = Sine(2000, 40);
        var zero = Sine(2000, 40);
        Filtering.EmgMyo.Apply(causal, Rate);
        (Filtering.EmgMyo with { Phase = FilterPhase.ZeroPhase }).Apply(zero, Rate);

        var input = Sine(2000, 40)[0];
        var middle = Enumerable.Range(800, 400);
        var zeroError = middle.Max(i => Math.Abs(zero[0][i] - input[i]));
        var causalError = middle.Max(i => Math.Abs(causal[0][i] - input[i]));
        Assert.True(zeroError < 0.05, $"zero-phase moved a 40 Hz sine in the pass band by {zeroError}");
        Assert.True(causalError > 0.2, $"the causal filter should delay a 40 Hz sine (error {causalError})");
        Assert.Contains("causal", Filtering.EmgMyo.ToString(), StringComparison.Ordinal);
        Assert.Contains("zero-phase", (Filtering.EmgMyo with { Phase = FilterPhase.ZeroPhase }).ToString(), StringComparison.Ordinal);
    }

    private static float[][] Signal(int samples, int count)
    {
        var random = new Random(7);
        return [.. Enumerable.Range(0, count).Select(c => Enumerable.Range(0, samples).Select(i => (float)(Math.Sin(i * 0.3 * (c + 1)) + random.NextDouble() - 0.5 + (c * 3))).ToArray())];
    }

    private static float[][] Sine(int samples, double hz) =>
        [Enumerable.Range(0, samples).Select(i => (float)Math.Sin(2 * Math.PI * hz * i / Rate)).ToArray()];

    private static float[] Interleave(float[][] channels)
    {
        var n = channels.Length;
        var result = new float[channels[0].Length * n];
        for (var i = 0; i < channels[0].Length; i++)
        {
            for (var c = 0; c < n; c++)
            {
                result[(i * n) + c] = channels[c][i];
            }
        }

        return result;
    }
}
