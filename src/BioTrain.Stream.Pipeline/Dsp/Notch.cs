namespace BioTrain.Stream.Pipeline.Dsp;

/// <summary>
/// Second-order IIR notch (the bilinear-transformed resonator of scipy.signal.iirnotch): zero gain at
/// <c>frequency</c>, -3 dB bandwidth frequency / quality factor. Q = 30 at 50 Hz removes 49.2-50.8 Hz.
/// For a wider stop band use <see cref="Butterworth.BandStop"/>.
/// </summary>
public static class Notch
{
    public static SecondOrderSections Design(double frequency, double qualityFactor, double sampleRate)
    {
        Butterworth.CheckEdge(frequency, sampleRate);
        if (!(qualityFactor > 0) || !double.IsFinite(qualityFactor))
        {
            throw new ArgumentOutOfRangeException(nameof(qualityFactor), qualityFactor, "The quality factor must be positive.");
        }
        var w0 = 2 * Math.PI * frequency / sampleRate;
        var bandwidth = w0 / qualityFactor;
        // -3 dB edges: beta = tan(bw / 2) for a gain of 1/sqrt(2) at the edges.
        var beta = Math.Tan(bandwidth / 2);
        var gain = 1 / (1 + beta);
        var cos = Math.Cos(w0);
        return new SecondOrderSections([new Biquad(gain, -2 * gain * cos, gain, -2 * gain * cos, (2 * gain) - 1)]);
    }

    /// <summary>Notches at <paramref name="frequency"/> and its harmonics below Nyquist (e.g. 50, 100, 150 Hz), each with the same Q.</summary>
    public static SecondOrderSections WithHarmonics(double frequency, double qualityFactor, double sampleRate, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var sections = new List<Biquad>();
        for (var h = 1; h <= count && (h * frequency) < sampleRate / 2; h++)
        {
            sections.AddRange(Design(h * frequency, qualityFactor, sampleRate));
        }
        return new SecondOrderSections(sections);
    }
}
