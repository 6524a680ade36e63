using BioTrain.Stream.Pipeline.Dsp;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace BioTrain.Stream.Pipeline.Tests.Dsp;

/// <summary>Causal and zero-phase filtering against scipy's outputs, and chunked == whole.</summary>
public class FilteringTests
{
    private static readonly SecondOrderSections BandPass = Butterworth.BandPass(4, 8, 30, 250);

    [Fact]
    public void Causal_filter_equals_scipy_sosfilt()
    {
        var x = ScipyReference.Signal().Select(v => (float)v).ToArray();
        var filter = new SosFilter(BandPass, 1);
        filter.Process(x);
        AssertClose(ScipyReference.SosFiltBandPass, x, 2e-6);
    }

    [Fact]
    public void Steady_state_start_equals_scipy_sosfilt_with_sosfilt_zi()
    {
        var x = ScipyReference.Signal().Select(v => (float)v).ToArray();
        var filter = new SosFilter(BandPass, 1);
        filter.ResetToSteadyState([x[0]]);
        filter.Process(x);
        AssertClose(ScipyReference.SosFiltBandPassFromSteadyState, x, 2e-6);
    }

    [Fact]
    public void Zero_phase_equals_scipy_sosfiltfilt()
    {
        var x = ScipyReference.Signal();
        var y = new double[x.Length];
        ZeroPhase.Apply(BandPass, x, y);
        AssertClose(ScipyReference.SosFiltFiltBandPass, y, 1e-12);
        Assert.Equal(27, ZeroPhase.PadLength(BandPass));
    }

    [Fact]
    public void Zero_phase_on_channel_major_rows_filters_each_row()
    {
        var x = ScipyReference.Signal().Select(v => (float)v).ToArray();
        var rows = x.Concat(x.Select(v => -v)).ToArray();
        ZeroPhase.ApplyToChannels(BandPass, rows, 2);
        AssertClose(ScipyReference.SosFiltFiltBandPass, rows[..64], 1e-5);
        AssertClose(ScipyReference.SosFiltFiltBandPass.Select(v => -v).ToArray(), rows[64..], 1e-5);
    }

    [Fact]
    public void Channels_are_filtered_independently_in_interleaved_and_channel_major_layouts()
    {
        var x = ScipyReference.Signal().Select(v => (float)v).ToArray();
        var interleaved = new float[x.Length * 3];
        for (var n = 0; n < x.Length; n++)
        {
            interleaved[(n * 3) + 0] = x[n];
            interleaved[(n * 3) + 1] = 0;
            interleaved[(n * 3) + 2] = 2 * x[n];
        }
        new SosFilter(BandPass, 3).Process(interleaved);
        var single = (float[])x.Clone();
        var byChannel = new SosFilter(BandPass, 3);
        byChannel.ProcessChannel(2, single);
        for (var n = 0; n < x.Length; n++)
        {
            Assert.Equal(0f, interleaved[(n * 3) + 1]);
            Assert.Equal(2 * ScipyReference.SosFiltBandPass[n], interleaved[(n * 3) + 2], 4e-6);
            Assert.Equal(2 * single[n], interleaved[(n * 3) + 2], 4e-6);
        }
    }

    [Property(MaxTest = 60)]
    public Property Filtering_in_chunks_equals_filtering_whole_bit_for_bit() =>
        Prop.ForAll(Generators.ChunkSizes(500).ToArbitrary(), sizes =>
        {
            const int Channels = 4;
            var sos = Butterworth.BandPass(4, 1, 40, 1000).Then(Notch.Design(50, 30, 1000));
            var signal = Generators.Noise(500 * Channels, 7);
            var whole = (float[])signal.Clone();
            new SosFilter(sos, Channels).Process(whole);

            var chunked = (float[])signal.Clone();
            var filter = new SosFilter(sos, Channels);
            var at = 0;
            foreach (var size in sizes)
            {
                filter.Process(chunked.AsSpan(at * Channels, size * Channels));
                at += size;
            }
            return whole.AsSpan().SequenceEqual(chunked);
        });

    [Fact]
    public void A_sine_in_the_pass_band_passes_and_line_noise_is_removed()
    {
        const double Rate = 1000;
        var sos = Butterworth.BandPass(4, 8, 30, Rate).Then(Notch.Design(50, 30, Rate));
        var x = new float[4000];
        for (var n = 0; n < x.Length; n++)
        {
            x[n] = (float)(Math.Sin(2 * Math.PI * 15 * n / Rate) + Math.Sin(2 * Math.PI * 50 * n / Rate));
        }
        new SosFilter(sos, 1).Process(x);
        var tail = x[2000..];
        var rms = Math.Sqrt(tail.Average(v => (double)v * v));
        Assert.Equal(Math.Sqrt(0.5) * sos.Gain(15, Rate), rms, 2);
    }

    internal static void AssertClose(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double tolerance)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"[{i}] {actual[i]:R} != {expected[i]:R}");
        }
    }

    internal static void AssertClose(IReadOnlyList<double> expected, IReadOnlyList<float> actual, double tolerance) =>
        AssertClose(expected, actual.Select(v => (double)v).ToArray(), tolerance);
}
