namespace BioTrain.Stream.Lsl.Inlet;

/// <summary>
/// Fits t ≈ w0 + w1·n by recursive least squares with exponential forgetting (half-life in seconds), as
/// liblsl's dejitter does: the fitted line replaces jittery arrival times of a regular stream.
/// </summary>
internal sealed class Dejitterer
{
    private readonly double _baseline;
    private readonly double _lambda;
    private double _w0;
    private double _w1;
    private double _p00 = 1e10;
    private double _p01;
    private double _p11 = 1e10;
    private long _n;

    public Dejitterer(double firstTimestamp, double nominalSrate, double halftime)
    {
        // The integer part of the first timestamp is removed for numerical accuracy.
        _baseline = Math.Truncate(firstTimestamp);
        if (nominalSrate > 0)
        {
            _w1 = 1.0 / nominalSrate;
            _lambda = Math.Pow(2, -1.0 / (nominalSrate * halftime));
        }
    }

    public bool Applies => _lambda > 0;

    public void Skip(long samples) => _n += samples;

    public double Process(double t)
    {
        if (!Applies)
        {
            return t;
        }

        t -= _baseline;
        double u1 = _n++;
        var pi0 = _p00 + (u1 * _p01);
        var pi1 = _p01 + (u1 * _p11);
        var error = t - (_w0 + (u1 * _w1));
        var gInv = 1.0 / (_lambda + pi0 + (pi1 * u1));
        var invLambda = 1.0 / _lambda;
        _p00 = invLambda * (_p00 - (pi0 * pi0 * gInv));
        _p01 = invLambda * (_p01 - (pi0 * pi1 * gInv));
        _p11 = invLambda * (_p11 - (pi1 * pi1 * gInv));
        _w0 += error * (_p00 + (_p01 * u1));
        _w1 += error * (_p01 + (_p11 * u1));
        return _w0 + (u1 * _w1) + _baseline;
    }
}
