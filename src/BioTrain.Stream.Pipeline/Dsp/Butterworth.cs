namespace BioTrain.Stream.Pipeline.Dsp;

/// <summary>
/// Digital Butterworth designs as second-order sections: analog prototype, frequency transform with
/// pre-warped edges, bilinear transform, "nearest" pole-zero pairing. The sections equal
/// <c>scipy.signal.butter(order, edges, kind, fs=sampleRate, output='sos')</c> (checked in the tests
/// against values scipy printed). Frequencies in Hz.
/// </summary>
public static class Butterworth
{
    /// <summary>Low-pass of order <paramref name="order"/> (-3 dB at <paramref name="cutoff"/>).</summary>
    public static SecondOrderSections LowPass(int order, double cutoff, double sampleRate)
    {
        var w = Prewarp(cutoff, sampleRate, order);
        return Digital(ZeroPoleGain.ButterworthPrototype(order).LowPassTo(w));
    }

    /// <summary>High-pass of order <paramref name="order"/> (-3 dB at <paramref name="cutoff"/>).</summary>
    public static SecondOrderSections HighPass(int order, double cutoff, double sampleRate)
    {
        var w = Prewarp(cutoff, sampleRate, order);
        return Digital(ZeroPoleGain.ButterworthPrototype(order).HighPassTo(w));
    }

    /// <summary>Band-pass from a prototype of order <paramref name="order"/> (so 2 x order poles, order sections), -3 dB at both edges.</summary>
    public static SecondOrderSections BandPass(int order, double low, double high, double sampleRate)
    {
        var (w1, w2) = PrewarpBand(low, high, sampleRate, order);
        return Digital(ZeroPoleGain.ButterworthPrototype(order).BandPassTo(Math.Sqrt(w1 * w2), w2 - w1));
    }

    /// <summary>Band-stop from a prototype of order <paramref name="order"/> (a wide notch, e.g. 48-52 Hz).</summary>
    public static SecondOrderSections BandStop(int order, double low, double high, double sampleRate)
    {
        var (w1, w2) = PrewarpBand(low, high, sampleRate, order);
        return Digital(ZeroPoleGain.ButterworthPrototype(order).BandStopTo(Math.Sqrt(w1 * w2), w2 - w1));
    }

    // The design runs at a normalised rate of 2 (Nyquist = 1), as scipy does, so results match its rounding.
    private const double DesignRate = 2.0;

    private static SecondOrderSections Digital(ZeroPoleGain analog) => SectionPairing.ToSections(analog.Bilinear(DesignRate));

    private static double Prewarp(double frequency, double sampleRate, int order)
    {
        CheckOrder(order);
        CheckEdge(frequency, sampleRate);
        var normalised = 2 * frequency / sampleRate;
        return 2 * DesignRate * Math.Tan(Math.PI * normalised / DesignRate);
    }

    private static (double, double) PrewarpBand(double low, double high, double sampleRate, int order)
    {
        if (!(low < high))
        {
            throw new ArgumentException($"The band needs low < high (got {low} and {high} Hz).");
        }
        return (Prewarp(low, sampleRate, order), Prewarp(high, sampleRate, order));
    }

    private static void CheckOrder(int order)
    {
        if (order is < 1 or > 32)
        {
            throw new ArgumentOutOfRangeException(nameof(order), order, "Order must be 1 to 32.");
        }
    }

    internal static void CheckEdge(double frequency, double sampleRate)
    {
        if (!(sampleRate > 0) || !double.IsFinite(sampleRate))
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "The sample rate must be positive.");
        }
        if (!(frequency > 0 && frequency < sampleRate / 2))
        {
            throw new ArgumentOutOfRangeException(nameof(frequency), frequency, $"A band edge must lie between 0 and the Nyquist frequency ({sampleRate / 2} Hz).");
        }
    }
}
