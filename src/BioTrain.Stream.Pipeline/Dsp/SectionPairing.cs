using System.Numerics;

namespace BioTrain.Stream.Pipeline.Dsp;

/// <summary>
/// Groups digital zeros and poles into second-order sections with "nearest" pairing: the pole closest
/// to the unit circle goes into the last section with its nearest zero(s), and so on backwards; the
/// gain goes into the first section. This is the rule scipy.signal.zpk2sos documents (pairing='nearest'),
/// so sections come out in the same order as scipy's and can be compared row by row.
/// </summary>
internal static class SectionPairing
{
    private const double RealTolerance = 100 * 2.220446049250313e-16; // 100 machine epsilons, relative

    public static SecondOrderSections ToSections(ZeroPoleGain zpk)
    {
        var zeros = zpk.Zeros.ToList();
        var poles = zpk.Poles.ToList();
        while (zeros.Count < poles.Count)
        {
            zeros.Add(Complex.Zero);
        }
        while (poles.Count < zeros.Count)
        {
            poles.Add(Complex.Zero);
        }
        var sectionCount = (poles.Count + 1) / 2;
        if (poles.Count % 2 == 1)
        {
            poles.Add(Complex.Zero);
            zeros.Add(Complex.Zero);
        }

        var z = OneOfEachPair(zeros);
        var p = OneOfEachPair(poles);
        var sections = new Biquad[sectionCount];
        for (var si = sectionCount - 1; si >= 0; si--)
        {
            var p1 = TakeAt(p, Worst(p, _ => true));
            if (IsReal(p1) && !p.Any(IsReal))
            {
                // Last real pole: pair it with the nearest real zero, alone.
                var z1 = TakeAt(z, Nearest(z, p1, IsReal));
                sections[si] = Section([z1, Complex.Zero], [p1, Complex.Zero]);
            }
            else if (p.Count + 1 == z.Count && !IsReal(p1) && p.Count(IsReal) == 1 && z.Count(IsReal) == 1)
            {
                // One real pole and one real zero left: this complex pole must take a complex zero.
                var z1 = TakeAt(z, Nearest(z, p1, c => !IsReal(c)));
                sections[si] = Section([z1, Complex.Conjugate(z1)], [p1, Complex.Conjugate(p1)]);
            }
            else
            {
                var p2 = IsReal(p1) ? TakeAt(p, Worst(p, IsReal)) : Complex.Conjugate(p1);
                if (z.Count == 0)
                {
                    sections[si] = Section([], [p1, p2]);
                    continue;
                }
                var z1 = TakeAt(z, Nearest(z, p1, _ => true));
                if (!IsReal(z1))
                {
                    sections[si] = Section([z1, Complex.Conjugate(z1)], [p1, p2]);
                }
                else if (z.Count > 0)
                {
                    var z2 = TakeAt(z, Nearest(z, p1, IsReal));
                    sections[si] = Section([z1, z2], [p1, p2]);
                }
                else
                {
                    sections[si] = Section([z1], [p1, p2]);
                }
            }
        }

        var first = sections[0];
        sections[0] = first with { B0 = first.B0 * zpk.Gain, B1 = first.B1 * zpk.Gain, B2 = first.B2 * zpk.Gain };
        return new SecondOrderSections(sections);
    }

    private static bool IsReal(Complex c) => Math.Abs(c.Imaginary) <= RealTolerance * c.Magnitude;

    /// <summary>Complex roots once each (positive imaginary part), sorted by real part, then the real roots sorted.</summary>
    private static List<Complex> OneOfEachPair(List<Complex> roots)
    {
        var complex = roots.Where(r => !IsReal(r) && r.Imaginary > 0).OrderBy(r => r.Real).ThenBy(r => Math.Abs(r.Imaginary));
        var real = roots.Where(IsReal).Select(r => new Complex(r.Real, 0)).OrderBy(r => r.Real);
        return [.. complex, .. real];
    }

    /// <summary>Index of the root closest to the unit circle among those matching (first on ties).</summary>
    private static int Worst(List<Complex> roots, Func<Complex, bool> filter)
    {
        var best = -1;
        for (var i = 0; i < roots.Count; i++)
        {
            if (filter(roots[i]) && (best < 0 || Math.Abs(1 - roots[i].Magnitude) < Math.Abs(1 - roots[best].Magnitude)))
            {
                best = i;
            }
        }
        return best;
    }

    private static int Nearest(List<Complex> roots, Complex to, Func<Complex, bool> filter)
    {
        var best = -1;
        for (var i = 0; i < roots.Count; i++)
        {
            if (filter(roots[i]) && (best < 0 || (roots[i] - to).Magnitude < (roots[best] - to).Magnitude))
            {
                best = i;
            }
        }
        return best >= 0 ? best : throw new InvalidOperationException("No zero left to pair with a pole.");
    }

    private static Complex TakeAt(List<Complex> roots, int index)
    {
        var value = roots[index];
        roots.RemoveAt(index);
        return value;
    }

    /// <summary>b = poly(zeros), a = poly(poles), right-aligned in the 3-coefficient rows as scipy does.</summary>
    private static Biquad Section(Complex[] zeros, Complex[] poles)
    {
        var b = Poly(zeros);
        var a = Poly(poles);
        var bRow = new double[3];
        var aRow = new double[3];
        b.CopyTo(bRow, 3 - b.Length);
        a.CopyTo(aRow, 3 - a.Length);
        return new Biquad(bRow[0], bRow[1], bRow[2], aRow[1] / aRow[0], aRow[2] / aRow[0]);
    }

    private static double[] Poly(Complex[] roots) => roots.Length switch
    {
        0 => [1],
        1 => [1, -roots[0].Real],
        _ => [1, -(roots[0] + roots[1]).Real, (roots[0] * roots[1]).Real],
    };
}
