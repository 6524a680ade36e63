using BioTrain.Stream.Pipeline.Dsp;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace BioTrain.Stream.Pipeline.Tests.Dsp;

/// <summary>The FIR design and the streaming resampler against scipy's firwin and resample_poly.</summary>
public class ResamplingTests
{
    [Fact]
    public void Kaiser_low_pass_equals_scipy_firwin()
    {
        FilteringTests.AssertClose(ScipyReference.FirWin21Quarter, FirDesign.LowPass(21, 0.25, 5.0), 1e-15);
    }

    [Theory]
    [InlineData(2, 3)]
    [InlineData(1, 4)]
    public void Streaming_output_equals_resample_poly_where_the_samples_it_needs_have_arrived(int up, int down)
    {
        var x = ScipyReference.Signal().Select(v => (float)v).ToArray();
        var y = RationalResampler.ResampleWhole(x, up, down);
        var expected = up == 2 ? ScipyReference.ResamplePoly2Over3 : ScipyReference.ResamplePoly1Over4;
        // Output m needs input (m * down + 10 * max(up, down)) / up.
        var ready = (int)(((((x.Length - 1) * up) + up - 1 - (10 * Math.Max(up, down))) / down) + 1);
        Assert.Equal(ready, y.Length);
        FilteringTests.AssertClose(expected[..ready], y, 2e-6);
    }

    [Fact]
    public void Output_timestamps_sit_at_the_output_positions_of_the_input_clock()
    {
        const int Channels = 2;
        var resampler = new RationalResampler(250, 1000, Channels); // 1000 -> 250 Hz, reduced to 1/4
        Assert.Equal((1, 4), (resampler.Up, resampler.Down));
        var stamps = Enumerable.Range(0, 400).Select(i => 100 + (i / 1000.0)).ToArray();
        var input = new float[stamps.Length * Channels];
        var output = new float[resampler.MaxOutputSamples(stamps.Length) * Channels];
        var times = new double[resampler.MaxOutputSamples(stamps.Length)];
        var count = resampler.Process(input, stamps, output, times);
        Assert.Equal((400 - 40 - 1) / 4 + 1, count);
        for (var m = 0; m < count; m++)
        {
            Assert.Equal(100 + (m * 0.004), times[m], 9);
        }
    }

    [Property(MaxTest = 40)]
    public Property Resampling_in_chunks_equals_resampling_whole() =>
        Prop.ForAll(Generators.ChunkSizes(300).ToArbitrary(), sizes =>
        {
            const int Channels = 3;
            var signal = Generators.Noise(300 * Channels, 3);
            var stamps = Enumerable.Range(0, 300).Select(i => i / 500.0).ToArray();
            var whole = Run(new RationalResampler(2, 5, Channels), signal, stamps, [300]);
            var chunked = Run(new RationalResampler(2, 5, Channels), signal, stamps, sizes);
            return whole.Values.SequenceEqual(chunked.Values) && whole.Times.SequenceEqual(chunked.Times);
        });

    private static (List<float> Values, List<double> Times) Run(RationalResampler resampler, float[] signal, double[] stamps, IEnumerable<int> sizes)
    {
        var values = new List<float>();
        var times = new List<double>();
        var at = 0;
        foreach (var size in sizes)
        {
            var output = new float[resampler.MaxOutputSamples(size) * resampler.ChannelCount];
            var outTimes = new double[resampler.MaxOutputSamples(size)];
            var count = resampler.Process(signal.AsSpan(at * resampler.ChannelCount, size * resampler.ChannelCount), stamps.AsSpan(at, size), output, outTimes);
            values.AddRange(output[..(count * resampler.ChannelCount)]);
            times.AddRange(outTimes[..count]);
            at += size;
        }
        return (values, times);
    }
}
