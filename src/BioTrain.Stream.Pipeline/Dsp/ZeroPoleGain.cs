using System.Numerics;

namespace BioTrain.Stream.Pipeline.Dsp;

/// <summary>
/// A filter as zeros, poles and gain, with the analog-prototype transforms and the bilinear transform
/// (the textbook route, the same one scipy.signal.iirfilter takes, so designs match its numbers).
/// Frequencies here are in rad/s of the analog prototype.
/// </summary>
internal sealed record ZeroPoleGain(Complex[] Zeros, Complex[] Poles, double Gain)
{
    /// <summary>Analog Butterworth prototype of order n: poles -exp(j pi m / 2n), m = -n+1, -n+3, ..., n-1; cut-off 1 rad/s.</summary>
    public static ZeroPoleGain ButterworthPrototype(int order)
    {
        var poles = new Complex[order];
        for (var i = 0; i < order; i++)
        {
            var m = -order + 1 + (2 * i);
            poles[i] = -Complex.Exp(new Complex(0, Math.PI * m / (2.0 * order)));
        }
        return new ZeroPoleGain([], poles, 1);
    }

    private int Degree => Poles.Length - Zeros.Length;

    public ZeroPoleGain LowPassTo(double w0) =>
        new([.. Zeros.Select(z => z * w0)], [.. Poles.Select(p => p * w0)], Gain * Math.Pow(w0, Degree));

    public ZeroPoleGain HighPassTo(double w0)
    {
        var zeros = Zeros.Select(z => w0 / z).Concat(Enumerable.Repeat(Complex.Zero, Degree));
        var gain = Gain * (Product(Zeros.Select(z => -z)) / Product(Poles.Select(p => -p))).Real;
        return new([.. zeros], [.. Poles.Select(p => w0 / p)], gain);
    }

    public ZeroPoleGain BandPassTo(double w0, double bandwidth)
    {
        var zl = Zeros.Select(z => z * bandwidth / 2).ToArray();
        var pl = Poles.Select(p => p * bandwidth / 2).ToArray();
        var zeros = zl.Select(z => z + Complex.Sqrt((z * z) - (w0 * w0)))
            .Concat(zl.Select(z => z - Complex.Sqrt((z * z) - (w0 * w0))))
            .Concat(Enumerable.Repeat(Complex.Zero, Degree));
        var poles = pl.Select(p => p + Complex.Sqrt((p * p) - (w0 * w0)))
            .Concat(pl.Select(p => p - Complex.Sqrt((p * p) - (w0 * w0))));
        return new([.. zeros], [.. poles], Gain * Math.Pow(bandwidth, Degree));
    }

    public ZeroPoleGain BandStopTo(double w0, double bandwidth)
    {
        var zh = Zeros.Select(z => bandwidth / 2 / z).ToArray();
        var ph = Poles.Select(p => bandwidth / 2 / p).ToArray();
        var zeros = zh.Select(z => z + Complex.Sqrt((z * z) - (w0 * w0)))
            .Concat(zh.Select(z => z - Complex.Sqrt((z * z) - (w0 * w0))))
            .Concat(Enumerable.Repeat(new Complex(0, w0), Degree))
            .Concat(Enumerable.Repeat(new Complex(0, -w0), Degree));
        var poles = ph.Select(p => p + Complex.Sqrt((p * p) - (w0 * w0)))
            .Concat(ph.Select(p => p - Complex.Sqrt((p * p) - (w0 * w0))));
        var gain = Gain * (Product(Zeros.Select(z => -z)) / Product(Poles.Select(p => -p))).Real;
        return new([.. zeros], [.. poles], gain);
    }

    /// <summary>Bilinear transform with the prototype's sample rate <paramref name="fs"/> (s = 2 fs (z-1)/(z+1)).</summary>
    public ZeroPoleGain Bilinear(double fs)
    {
        var fs2 = 2 * fs;
        var zeros = Zeros.Select(z => (fs2 + z) / (fs2 - z)).Concat(Enumerable.Repeat(-Complex.One, Degree));
        var gain = Gain * (Product(Zeros.Select(z => fs2 - z)) / Product(Poles.Select(p => fs2 - p))).Real;
        return new([.. zeros], [.. Poles.Select(p => (fs2 + p) / (fs2 - p))], gain);
    }

    private static Complex Product(IEnumerable<Complex> values) => values.Aggregate(Complex.One, (a, b) => a * b);
}
