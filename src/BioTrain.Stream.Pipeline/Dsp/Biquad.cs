using System.Numerics;

namespace BioTrain.Stream.Pipeline.Dsp;

/// <summary>
/// One second-order section, normalised so a0 = 1:
/// H(z) = (B0 + B1 z^-1 + B2 z^-2) / (1 + A1 z^-1 + A2 z^-2).
/// The same row as scipy's <c>sos</c> layout <c>[b0, b1, b2, 1, a1, a2]</c>.
/// </summary>
public readonly record struct Biquad(double B0, double B1, double B2, double A1, double A2)
{
    /// <summary>The response at <c>z^-1 = zInverse</c> (on the unit circle: e^{-jw}).</summary>
    public Complex Response(Complex zInverse)
    {
        var z2 = zInverse * zInverse;
        return (B0 + (B1 * zInverse) + (B2 * z2)) / (1 + (A1 * zInverse) + (A2 * z2));
    }

    /// <summary>The DC gain H(1) = sum(b) / sum(a).</summary>
    public double DcGain => (B0 + B1 + B2) / (1 + A1 + A2);

    /// <summary>
    /// The transposed-direct-form-II state {s1, s2} for which a constant input of 1 gives a constant
    /// output from the first sample (scipy's <c>lfilter_zi</c>), so a filter started on a signal with an
    /// offset does not ring.
    /// </summary>
    public (double S1, double S2) SteadyStateForUnitStep()
    {
        var gain = DcGain;
        var s2 = B2 - (A2 * gain);
        var s1 = B1 - (A1 * gain) + s2;
        return (s1, s2);
    }
}
