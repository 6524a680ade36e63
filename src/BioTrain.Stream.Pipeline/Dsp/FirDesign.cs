namespace BioTrain.Stream.Pipeline.Dsp;

/// <summary>Windowed-sinc FIR design (the method of scipy.signal.firwin), with a Kaiser window.</summary>
public static class FirDesign
{
    /// <summary>
    /// Linear-phase low-pass of <paramref name="taps"/> taps (odd), cut-off <paramref name="cutoff"/> as a
    /// fraction of Nyquist (0 to 1), Kaiser window of shape <paramref name="beta"/>, scaled to unit gain at DC.
    /// </summary>
    public static double[] LowPass(int taps, double cutoff, double beta)
    {
        if (taps < 1 || taps % 2 == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(taps), taps, "A linear-phase low-pass needs an odd number of taps.");
        }
        if (!(cutoff > 0 && cutoff <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(cutoff), cutoff, "The cut-off is a fraction of Nyquist in (0, 1].");
        }
        var window = Kaiser(taps, beta);
        var h = new double[taps];
        var centre = (taps - 1) / 2.0;
        var sum = 0.0;
        for (var i = 0; i < taps; i++)
        {
            h[i] = cutoff * Sinc(cutoff * (i - centre)) * window[i];
            sum += h[i];
        }
        for (var i = 0; i < taps; i++)
        {
            h[i] /= sum;
        }
        return h;
    }

    /// <summary>The symmetric Kaiser window I0(beta sqrt(1 - (2n/(N-1) - 1)^2)) / I0(beta).</summary>
    public static double[] Kaiser(int length, double beta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        var w = new double[length];
        if (length == 1)
        {
            w[0] = 1;
            return w;
        }
        var denominator = BesselI0(beta);
        for (var n = 0; n < length; n++)
        {
            var r = (2.0 * n / (length - 1)) - 1;
            w[n] = BesselI0(beta * Math.Sqrt(Math.Max(0, 1 - (r * r)))) / denominator;
        }
        return w;
    }

    /// <summary>Modified Bessel function of the first kind, order 0 (power series; converges fast for the betas of windows).</summary>
    public static double BesselI0(double x)
    {
        var sum = 1.0;
        var term = 1.0;
        var q = x * x / 4;
        for (var k = 1; k < 500; k++)
        {
            term *= q / (k * (double)k);
            sum += term;
            if (term < sum * 1e-17)
            {
                break;
            }
        }
        return sum;
    }

    private static double Sinc(double x) => x == 0 ? 1 : Math.Sin(Math.PI * x) / (Math.PI * x);
}
