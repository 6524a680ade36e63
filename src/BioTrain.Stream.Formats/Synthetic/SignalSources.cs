namespace BioTrain.Stream.Formats.Synthetic;

/// <summary>
/// A narrow-band rhythm (mu, beta, alpha): white noise through a two-pole resonator, scaled to unit
/// variance. Its amplitude waxes and wanes like real EEG rhythms instead of being a pure sine.
/// </summary>
internal sealed class Resonator
{
    private readonly double _a1;
    private readonly double _a2;
    private readonly double _inputScale;
    private double _y1;
    private double _y2;

    public Resonator(double frequency, double sampleRate, double bandwidth)
    {
        var r = Math.Exp(-Math.PI * bandwidth / sampleRate);
        _a1 = 2 * r * Math.Cos(2 * Math.PI * frequency / sampleRate);
        _a2 = -r * r;
        // Stationary variance of the AR(2) process for unit-variance input, to normalise the output.
        var variance = (1 - _a2) / ((1 + _a2) * (((1 - _a2) * (1 - _a2)) - (_a1 * _a1)));
        _inputScale = 1 / Math.Sqrt(variance);
    }

    public double Next(SeededRandom random)
    {
        var y = (_a1 * _y1) + (_a2 * _y2) + (_inputScale * random.NextGaussian());
        _y2 = _y1;
        _y1 = y;
        return y;
    }
}

/// <summary>Band-pass biquad (RBJ cookbook, 0 dB peak): shapes white noise into an EMG-like spectrum.</summary>
internal sealed class BandPass
{
    private readonly double _b0;
    private readonly double _b2;
    private readonly double _a1;
    private readonly double _a2;
    private double _x1;
    private double _x2;
    private double _y1;
    private double _y2;

    public BandPass(double centre, double q, double sampleRate)
    {
        var w = 2 * Math.PI * centre / sampleRate;
        var alpha = Math.Sin(w) / (2 * q);
        var a0 = 1 + alpha;
        _b0 = alpha / a0;
        _b2 = -alpha / a0;
        _a1 = -2 * Math.Cos(w) / a0;
        _a2 = (1 - alpha) / a0;
    }

    public double Next(double x)
    {
        var y = (_b0 * x) + (_b2 * _x2) - (_a1 * _y1) - (_a2 * _y2);
        _x2 = _x1;
        _x1 = x;
        _y2 = _y1;
        _y1 = y;
        return y;
    }
}

/// <summary>Roughly 1/f background: white noise plus two leaky integrators with different time constants.</summary>
internal sealed class PinkishNoise(double sampleRate)
{
    private readonly double _slow = Math.Exp(-2 * Math.PI * 1.5 / sampleRate);
    private readonly double _fast = Math.Exp(-2 * Math.PI * 12 / sampleRate);
    private double _s;
    private double _f;

    public double Next(SeededRandom random)
    {
        _s = (_slow * _s) + (Math.Sqrt(1 - (_slow * _slow)) * random.NextGaussian());
        _f = (_fast * _f) + (Math.Sqrt(1 - (_fast * _fast)) * random.NextGaussian());
        return (0.6 * _s) + (0.6 * _f) + (0.5 * random.NextGaussian());
    }
}

/// <summary>Smooth 0→1 step (raised cosine) for envelopes that switch on and off.</summary>
internal static class Ramp
{
    /// <summary>0 before <paramref name="start"/>, 1 after start + width, a raised-cosine in between.</summary>
    public static double Up(double t, double start, double width) =>
        t <= start ? 0 : t >= start + width ? 1 : 0.5 - (0.5 * Math.Cos(Math.PI * (t - start) / width));

    /// <summary>1 inside [on, off], with raised-cosine edges of <paramref name="width"/>.</summary>
    public static double Window(double t, double on, double off, double width) =>
        Math.Min(Up(t, on, width), 1 - Up(t, off - width, width));
}
