using System.Globalization;
using BioTrain.Stream.Lsl.Info;
using FsCheck;
using FsCheck.Xunit;

namespace BioTrain.Stream.Lsl.Tests;

public class NumberFormatTests
{
    [Theory]
    [InlineData(10.0, "10.00000000000000")]
    [InlineData(0.0, "0.000000000000000")]
    [InlineData(1.1, "1.100000000000000")]
    [InlineData(475.921489405, "475.9214894050000")]
    [InlineData(1e16, "1.000000000000000e+16")]
    [InlineData(1e-5, "1.000000000000000e-05")]
    [InlineData(0.0001, "0.0001000000000000000")]
    public void Show_point_matches_cplusplus_setprecision_16(double value, string expected) =>
        Assert.Equal(expected, LslNumberFormat.G16ShowPoint(value));

    [Theory]
    [InlineData(582.634496003, "582.634496003")]
    [InlineData(123.4567890123456, "123.4567890123456")]
    [InlineData(8783870.0, "8783870")]
    public void Plain_g16_drops_trailing_zeros(double value, string expected) =>
        Assert.Equal(expected, LslNumberFormat.G16(value));

    [Fact]
    public void G6_matches_the_endian_performance_capture() =>
        Assert.Equal("8.78387e+06", LslNumberFormat.G6(8783870.0));

    [Property(MaxTest = 500)]
    public bool G16_keeps_16_significant_digits(NormalFloat value)
    {
        var v = value.Get;
        var back = double.Parse(LslNumberFormat.G16(v), CultureInfo.InvariantCulture);
        return v == 0 ? back == 0 : Math.Abs((back - v) / v) < 1e-15;
    }
}
