using System.Globalization;
using BioTrain.Stream.Pipeline.Dsp;

namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>
/// The band-pass (and notch) each modality gets before windowing, as the field does it offline: Butterworth
/// second-order sections from the pipeline's DSP, applied zero-phase (forward-backward, like scipy's
/// sosfiltfilt) to each continuous recording, so windows carry no filter edge and no phase shift.
/// </summary>
public sealed record Filtering(double Low, double High, int Order, double? NotchHz = null)
{
    /// <summary>Motor-imagery EEG: 4-40 Hz keeps mu and beta (and theta edge), drops drift and mains.</summary>
    public static Filtering MotorImagery { get; } = new(4, 40, 4);

    /// <summary>Surface EMG at 200 Hz (MYO): 20 Hz high edge removes motion artefacts, 50 Hz notch for mains; up to 95 Hz.</summary>
    public static Filtering EmgMyo { get; } = new(20, 95, 4, 50);

    /// <summary>Surface EMG at 1 kHz: the TinyMyo band (20-450 Hz, 4th order) and a 50 Hz notch.</summary>
    public static Filtering EmgWide { get; } = new(20, 450, 4, 50);

    /// <summary>EOG: 0.1-20 Hz keeps saccades and blinks, removes slow electrode drift.</summary>
    public static Filtering Eog { get; } = new(0.1, 20, 2);

    /// <summary>The same filter with its high edge kept below Nyquist (0.45 of the rate) for a slower recording.</summary>
    public Filtering ForRate(double sampleRate) => this with { High = Math.Min(High, 0.45 * sampleRate) };

    public void Apply(IReadOnlyList<float[]> channels, double sampleRate)
    {
        ArgumentNullException.ThrowIfNull(channels);
        var sections = Butterworth.BandPass(Order, Low, High, sampleRate);
        if (NotchHz is { } notch && notch < sampleRate / 2)
        {
            sections = sections.Then(Pipeline.Dsp.Notch.Design(notch, 30, sampleRate));
        }

        foreach (var channel in channels)
        {
            if (channel.Length > ZeroPhase.PadLength(sections))
            {
                ZeroPhase.Apply(sections, channel, channel);
            }
        }
    }

    public override string ToString()
    {
        var notch = NotchHz is { } n ? string.Create(CultureInfo.InvariantCulture, $" + {n:G} Hz notch (Q 30)") : string.Empty;
        return string.Create(CultureInfo.InvariantCulture, $"{Low:G}-{High:G} Hz Butterworth band-pass (order {Order}){notch}, zero-phase");
    }
}
