using System.Collections;
using System.Numerics;

namespace BioTrain.Stream.Pipeline.Dsp;

/// <summary>
/// A cascade of second-order sections (the overall gain is folded into the first section, as scipy
/// does). Immutable; share one instance between any number of <see cref="SosFilter"/>s.
/// </summary>
public sealed class SecondOrderSections : IReadOnlyList<Biquad>
{
    private readonly Biquad[] _sections;

    public SecondOrderSections(IEnumerable<Biquad> sections)
    {
        ArgumentNullException.ThrowIfNull(sections);
        _sections = [.. sections];
        if (_sections.Length == 0)
        {
            throw new ArgumentException("A filter needs at least one section.", nameof(sections));
        }
        foreach (var s in _sections)
        {
            if (!double.IsFinite(s.B0) || !double.IsFinite(s.B1) || !double.IsFinite(s.B2) || !double.IsFinite(s.A1) || !double.IsFinite(s.A2))
            {
                throw new ArgumentException("Section coefficients must be finite.", nameof(sections));
            }
        }
    }

    /// <summary>
    /// From scipy's layout: rows of <c>[b0, b1, b2, a0, a1, a2]</c> (a0 is divided out), e.g. the
    /// output of <c>scipy.signal.butter(..., output='sos')</c>.
    /// </summary>
    public static SecondOrderSections FromScipyRows(double[,] rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.GetLength(1) != 6)
        {
            throw new ArgumentException("Each row has 6 values: b0 b1 b2 a0 a1 a2.", nameof(rows));
        }
        var sections = new Biquad[rows.GetLength(0)];
        for (var i = 0; i < sections.Length; i++)
        {
            var a0 = rows[i, 3];
            if (a0 == 0)
            {
                throw new ArgumentException($"Section {i} has a0 = 0.", nameof(rows));
            }
            sections[i] = new Biquad(rows[i, 0] / a0, rows[i, 1] / a0, rows[i, 2] / a0, rows[i, 4] / a0, rows[i, 5] / a0);
        }
        return new SecondOrderSections(sections);
    }

    /// <summary>Rows of <c>[b0, b1, b2, 1, a1, a2]</c>, scipy's layout.</summary>
    public double[,] ToScipyRows()
    {
        var rows = new double[_sections.Length, 6];
        for (var i = 0; i < _sections.Length; i++)
        {
            var s = _sections[i];
            rows[i, 0] = s.B0;
            rows[i, 1] = s.B1;
            rows[i, 2] = s.B2;
            rows[i, 3] = 1;
            rows[i, 4] = s.A1;
            rows[i, 5] = s.A2;
        }
        return rows;
    }

    public int Count => _sections.Length;

    public Biquad this[int index] => _sections[index];

    /// <summary>The sections as a span (no copy), for filters that loop over them.</summary>
    public ReadOnlySpan<Biquad> AsSpan() => _sections;

    /// <summary>This cascade followed by <paramref name="next"/> (e.g. a band-pass then a notch).</summary>
    public SecondOrderSections Then(SecondOrderSections next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return new SecondOrderSections(_sections.Concat(next._sections));
    }

    /// <summary>The complex response at <paramref name="frequency"/> Hz for a sample rate of <paramref name="sampleRate"/> Hz.</summary>
    public Complex Response(double frequency, double sampleRate)
    {
        var zInverse = Complex.FromPolarCoordinates(1, -2 * Math.PI * frequency / sampleRate);
        var h = Complex.One;
        foreach (var s in _sections)
        {
            h *= s.Response(zInverse);
        }
        return h;
    }

    /// <summary>|H| at <paramref name="frequency"/> Hz (linear gain).</summary>
    public double Gain(double frequency, double sampleRate) => Response(frequency, sampleRate).Magnitude;

    /// <summary>The gain in decibels (20 log10 |H|).</summary>
    public double GainDb(double frequency, double sampleRate) => 20 * Math.Log10(Gain(frequency, sampleRate));

    /// <summary>True when every pole lies strictly inside the unit circle.</summary>
    public bool IsStable => _sections.All(s => Math.Abs(s.A2) < 1 && Math.Abs(s.A1) < 1 + s.A2);

    public IEnumerator<Biquad> GetEnumerator() => ((IEnumerable<Biquad>)_sections).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
