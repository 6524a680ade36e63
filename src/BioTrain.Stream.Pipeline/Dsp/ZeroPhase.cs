namespace BioTrain.Stream.Pipeline.Dsp;

/// <summary>
/// Offline zero-phase filtering (forward, then backward), for experiments on recorded data: no phase
/// shift, squared magnitude response. Same method as scipy.signal.sosfiltfilt with its defaults: odd
/// extension of 3 x (2 x sections + 1) samples at both ends, each pass started from the steady state
/// of its first value. Not for live streams (it needs the future). Computes in double.
/// </summary>
public static class ZeroPhase
{
    /// <summary>Samples added at each end; the input must be longer than this.</summary>
    public static int PadLength(SecondOrderSections sections)
    {
        ArgumentNullException.ThrowIfNull(sections);
        var taps = (2 * sections.Count) + 1;
        // scipy trims taps for trailing zero coefficients (first-order sections).
        taps -= Math.Min(sections.Count(s => s.B2 == 0), sections.Count(s => s.A2 == 0));
        return 3 * taps;
    }

    /// <summary>Filters <paramref name="input"/> into <paramref name="output"/> (same length; may be the same memory).</summary>
    public static void Apply(SecondOrderSections sections, ReadOnlySpan<double> input, Span<double> output)
    {
        var pad = PadLength(sections);
        if (input.Length <= pad)
        {
            throw new ArgumentException($"Zero-phase filtering with these {sections.Count} sections needs more than {pad} samples (got {input.Length}).", nameof(input));
        }
        if (output.Length != input.Length)
        {
            throw new ArgumentException("Output must have the input's length.", nameof(output));
        }

        var n = input.Length;
        var extended = new double[n + (2 * pad)];
        for (var i = 0; i < pad; i++)
        {
            extended[i] = (2 * input[0]) - input[pad - i];
            extended[pad + n + i] = (2 * input[n - 1]) - input[n - 2 - i];
        }
        input.CopyTo(extended.AsSpan(pad));

        FilterFromSteadyState(sections, extended);
        Array.Reverse(extended);
        FilterFromSteadyState(sections, extended);
        Array.Reverse(extended);
        extended.AsSpan(pad, n).CopyTo(output);
    }

    /// <summary>Float overload: converts to double, filters, converts back.</summary>
    public static void Apply(SecondOrderSections sections, ReadOnlySpan<float> input, Span<float> output)
    {
        var x = new double[input.Length];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = input[i];
        }
        Apply(sections, x, x);
        if (output.Length != input.Length)
        {
            throw new ArgumentException("Output must have the input's length.", nameof(output));
        }
        for (var i = 0; i < x.Length; i++)
        {
            output[i] = (float)x[i];
        }
    }

    /// <summary>
    /// Filters every row of channel-major data (<c>[channel * samples + sample]</c>, the layout of
    /// windows and epochs) in place.
    /// </summary>
    public static void ApplyToChannels(SecondOrderSections sections, Span<float> channelMajor, int channelCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channelCount, 1);
        if (channelMajor.Length % channelCount != 0)
        {
            throw new ArgumentException("The data must hold whole rows.", nameof(channelMajor));
        }
        var length = channelMajor.Length / channelCount;
        for (var c = 0; c < channelCount; c++)
        {
            var row = channelMajor.Slice(c * length, length);
            Apply(sections, row, row);
        }
    }

    private static void FilterFromSteadyState(SecondOrderSections sections, Span<double> x)
    {
        var scale = x[0];
        foreach (var s in sections)
        {
            var (z1, z2) = s.SteadyStateForUnitStep();
            var s1 = z1 * scale;
            var s2 = z2 * scale;
            scale *= s.DcGain;
            for (var i = 0; i < x.Length; i++)
            {
                var v = x[i];
                var y = (s.B0 * v) + s1;
                s1 = (s.B1 * v) - (s.A1 * y) + s2;
                s2 = (s.B2 * v) - (s.A2 * y);
                x[i] = y;
            }
        }
    }
}
