using BioTrain.Stream.Pipeline.Dsp;

namespace BioTrain.Stream.Pipeline.Tests.Dsp;

/// <summary>Designs against scipy's numbers, row by row, and against the defining frequency-response points.</summary>
public class ButterworthDesignTests
{
    public static TheoryData<string, SecondOrderSections, double[,]> Designs() => new()
    {
        { "band-pass 4, 8-30 Hz @ 250", Butterworth.BandPass(4, 8, 30, 250), ScipyReference.BandPass4_8_30_At250 },
        { "low-pass 4, 40 Hz @ 250", Butterworth.LowPass(4, 40, 250), ScipyReference.LowPass4_40_At250 },
        { "high-pass 3, 1 Hz @ 1000", Butterworth.HighPass(3, 1, 1000), ScipyReference.HighPass3_1_At1000 },
        { "high-pass 5, 0.5 Hz @ 250", Butterworth.HighPass(5, 0.5, 250), ScipyReference.HighPass5_05_At250 },
        { "band-stop 2, 48-52 Hz @ 500", Butterworth.BandStop(2, 48, 52, 500), ScipyReference.BandStop2_48_52_At500 },
        { "band-pass 3, 1-40 Hz @ 1000", Butterworth.BandPass(3, 1, 40, 1000), ScipyReference.BandPass3_1_40_At1000 },
        { "low-pass 1, 10 Hz @ 100", Butterworth.LowPass(1, 10, 100), ScipyReference.LowPass1_10_At100 },
        { "notch 50 Hz Q 30 @ 250", Notch.Design(50, 30, 250), ScipyReference.Notch50_Q30_At250 },
    };

    [Theory]
    [MemberData(nameof(Designs))]
    public void Sections_equal_scipys_row_by_row(string name, SecondOrderSections designed, double[,] scipy)
    {
        var rows = designed.ToScipyRows();
        Assert.True(rows.GetLength(0) == scipy.GetLength(0), $"{name}: {rows.GetLength(0)} sections, scipy has {scipy.GetLength(0)}");
        for (var i = 0; i < rows.GetLength(0); i++)
        {
            for (var j = 0; j < 6; j++)
            {
                Assert.True(Math.Abs(rows[i, j] - scipy[i, j]) <= 1e-12 * Math.Max(1, Math.Abs(scipy[i, j])),
                    $"{name}: row {i} column {j} is {rows[i, j]:R}, scipy {scipy[i, j]:R}");
            }
        }
        Assert.True(designed.IsStable, name);
    }

    [Fact]
    public void Band_pass_is_3_dB_down_at_its_edges_flat_inside_and_steep_outside()
    {
        var sos = Butterworth.BandPass(4, 8, 30, 250);
        Assert.Equal(-3.0103, sos.GainDb(8, 250), 3);
        Assert.Equal(-3.0103, sos.GainDb(30, 250), 3);
        Assert.InRange(sos.GainDb(15, 250), -0.1, 0.01);
        Assert.True(sos.GainDb(1, 250) < -60, $"1 Hz: {sos.GainDb(1, 250)} dB");
        Assert.True(sos.GainDb(80, 250) < -40, $"80 Hz: {sos.GainDb(80, 250)} dB");
        Assert.True(sos.Gain(0, 250) < 1e-12 && sos.Gain(125, 250) < 1e-12, "zeros at DC and Nyquist");
    }

    [Fact]
    public void Low_and_high_pass_are_3_dB_down_at_the_cutoff()
    {
        var low = Butterworth.LowPass(4, 40, 1000);
        var high = Butterworth.HighPass(2, 0.5, 1000);
        Assert.Equal(-3.0103, low.GainDb(40, 1000), 3);
        Assert.Equal(-3.0103, high.GainDb(0.5, 1000), 3);
        Assert.Equal(1, low.Gain(0, 1000), 9);
        Assert.Equal(1, high.Gain(500, 1000), 9);
        // Order 4 falls at least 24 dB per octave past the cut-off (more near Nyquist, where the bilinear transform puts its zeros).
        Assert.True(low.GainDb(400, 1000) - low.GainDb(200, 1000) < -24);
    }

    [Fact]
    public void Notch_removes_the_line_frequency_and_passes_the_rest()
    {
        var notch = Notch.Design(50, 30, 1000);
        Assert.True(notch.Gain(50, 1000) < 1e-9);
        Assert.Equal(-3.0103, notch.GainDb(50 + (50.0 / 30 / 2), 1000), 1); // -3 dB edges at f0 +- f0/2Q
        Assert.InRange(notch.GainDb(40, 1000), -0.1, 0.0001);
        Assert.InRange(notch.GainDb(60, 1000), -0.1, 0.0001);
        var harmonics = Notch.WithHarmonics(50, 30, 1000, 4);
        Assert.Equal(4, harmonics.Count);
        Assert.All(new[] { 50.0, 100, 150, 200 }, f => Assert.True(harmonics.Gain(f, 1000) < 1e-9));
    }

    [Fact]
    public void Band_stop_is_deep_in_the_middle()
    {
        var stop = Butterworth.BandStop(2, 48, 52, 500);
        Assert.True(stop.GainDb(50, 500) < -60); // the zeros sit at the geometric centre of the pre-warped edges, close to 50 Hz
        Assert.Equal(-3.0103, stop.GainDb(48, 500), 3);
        Assert.InRange(stop.GainDb(10, 500), -0.01, 0.0001);
    }

    [Fact]
    public void A_cascade_multiplies_responses()
    {
        var band = Butterworth.BandPass(4, 1, 40, 1000);
        var notch = Notch.Design(50, 30, 1000);
        var both = band.Then(notch);
        Assert.Equal(band.Count + 1, both.Count);
        Assert.Equal(band.Gain(20, 1000) * notch.Gain(20, 1000), both.Gain(20, 1000), 12);
    }

    [Fact]
    public void Bad_edges_are_refused_with_the_reason()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Butterworth.LowPass(4, 125, 250));
        Assert.Throws<ArgumentOutOfRangeException>(() => Butterworth.HighPass(0, 1, 250));
        Assert.Throws<ArgumentException>(() => Butterworth.BandPass(4, 30, 8, 250));
        Assert.Throws<ArgumentOutOfRangeException>(() => Notch.Design(50, 0, 250));
    }

    [Fact]
    public void Scipy_rows_round_trip()
    {
        var sos = SecondOrderSections.FromScipyRows(ScipyReference.BandPass4_8_30_At250);
        Assert.Equal(ScipyReference.BandPass4_8_30_At250, sos.ToScipyRows());
    }
}
