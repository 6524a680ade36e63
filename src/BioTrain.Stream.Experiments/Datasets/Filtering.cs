using System.Globalization;
using System.Reactive.Subjects;
using BioTrain.Stream.Pipeline;
using BioTrain.Stream.Pipeline.Dsp;
using BioTrain.Stream.Pipeline.Operators;

namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>
/// The band-pass (and notch) each modality gets before windowing: Butterworth second-order sections from the
/// pipeline's DSP, applied to each continuous recording either causally by the session pipeline's own filter
/// operator (<see cref="FilterPhase.Causal"/>, the default: what a live session sees) or zero-phase
/// (forward-backward like scipy's sosfiltfilt, as the field does offline).
/// </summary>
public sealed record Filtering(double Low, double High, int Order, double? NotchHz = null)
{
    // Pushed to the operator in live-sized pieces, so a long recording never needs one chunk of its length.
    private const int ChunkSamples = 4096;

    public FilterPhase Phase { get; init; } = FilterPhase.Causal;

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

        if (Phase == FilterPhase.Causal)
        {
            ApplyCausal(sections, channels, sampleRate);
            return;
        }

        foreach (var channel in channels)
        {
            if (channel.Length > ZeroPhase.PadLength(sections))
            {
                ZeroPhase.Apply(sections, channel, channel);
            }
        }
    }

    /// <summary>The recording as one regular stream through <see cref="SignalOperators.Filter"/>, written back in place.</summary>
    private static void ApplyCausal(SecondOrderSections sections, IReadOnlyList<float[]> channels, double sampleRate)
    {
        var count = channels.Count == 0 ? 0 : channels[0].Length;
        var n = channels.Count;
        var written = 0;
        using var source = new Subject<SignalChunk>();
        using var filtered = source.Filter(sections).Subscribe(chunk =>
        {
            var values = chunk.Values;
            for (var i = 0; i < chunk.SampleCount; i++, written++)
            {
                for (var c = 0; c < n; c++)
                {
                    channels[c][written] = values[(i * n) + c];
                }
            }
        });
        for (var start = 0; start < count; start += ChunkSamples)
        {
            var length = Math.Min(ChunkSamples, count - start);
            using var chunk = new SignalChunk(n, sampleRate, "recording", length);
            chunk.SetSampleCount(length);
            var values = chunk.Values;
            var timestamps = chunk.Timestamps;
            for (var i = 0; i < length; i++)
            {
                timestamps[i] = (start + i) / sampleRate;
                for (var c = 0; c < n; c++)
                {
                    values[(i * n) + c] = channels[c][start + i];
                }
            }

            source.OnNext(chunk);
        }

        source.OnCompleted();
        if (written != count)
        {
            throw new InvalidOperationException($"the filter operator returned {written} of {count} samples");
        }
    }

    public override string ToString()
    {
        var notch = NotchHz is { } n ? string.Create(CultureInfo.InvariantCulture, $" + {n:G} Hz notch (Q 30)") : string.Empty;
        return string.Create(CultureInfo.InvariantCulture, $"{Low:G}-{High:G} Hz Butterworth band-pass (order {Order}){notch}, {(Phase == FilterPhase.Causal ? "causal (the session pipeline's filter)" : "zero-phase")}");
    }
}
