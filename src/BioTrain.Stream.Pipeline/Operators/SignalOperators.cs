using BioTrain.Stream.Pipeline.Dsp;
using BioTrain.Stream.Pipeline.Metrics;
using BioTrain.Stream.Pipeline.Quality;

namespace BioTrain.Stream.Pipeline.Operators;

/// <summary>
/// Rx operators over <see cref="SignalChunk"/> streams and the windows cut from them. Every operator
/// keeps its state per subscription, reuses one output buffer (see the ownership rule on
/// <see cref="SignalChunk"/>) and so allocates nothing per chunk once running. Gaps are found from the
/// timestamps with a <see cref="GapPolicy"/>; where a policy is optional, null means
/// <see cref="GapPolicy.Default"/> (a step above 1.5 nominal periods) and <see cref="GapPolicy.None"/> turns gap handling off.
/// </summary>
public static class SignalOperators
{
    /// <summary>Passes chunks through unchanged while counting chunks, samples, gaps, missing samples, jumps back and the effective rate into <paramref name="counters"/>. Put it first.</summary>
    public static IObservable<SignalChunk> TrackStream(this IObservable<SignalChunk> source, PipelineCounters counters, GapPolicy? gaps = null)
    {
        ArgumentNullException.ThrowIfNull(counters);
        return source.Through<SignalChunk, SignalChunk>(o => new StreamTracker(o, counters, gaps ?? GapPolicy.Default));
    }

    /// <summary>Replaces non-finite and out-of-range values and records them in <paramref name="quality"/> (see <see cref="InputQuality"/>). Put it before any filter.</summary>
    public static IObservable<SignalChunk> GuardSamples(this IObservable<SignalChunk> source, InputQuality quality)
    {
        ArgumentNullException.ThrowIfNull(quality);
        return source.Through<SignalChunk, SignalChunk>(o => new SampleGuard(o, quality));
    }

    /// <summary>Keeps the given channels (0-based), in the given order.</summary>
    public static IObservable<SignalChunk> SelectChannels(this IObservable<SignalChunk> source, params int[] channels)
    {
        ArgumentNullException.ThrowIfNull(channels);
        if (channels.Length == 0 || channels.Any(c => c < 0))
        {
            throw new ArgumentException("Select at least one channel, by 0-based index.", nameof(channels));
        }
        var copy = channels.ToArray();
        return source.Through<SignalChunk, SignalChunk>(o => new ChannelSelection(o, copy));
    }

    /// <summary>Common average reference over <paramref name="channels"/> (null: all channels); other channels pass unchanged.</summary>
    public static IObservable<SignalChunk> CommonAverageReference(this IObservable<SignalChunk> source, int[]? channels = null)
    {
        if (channels is { Length: 0 } || (channels?.Any(c => c < 0) ?? false))
        {
            throw new ArgumentException("The reference set needs at least one channel, by 0-based index.", nameof(channels));
        }
        var copy = channels?.ToArray();
        return source.Through<SignalChunk, SignalChunk>(o => new CommonAverage(o, copy));
    }

    /// <summary>
    /// Causal filtering of every channel with <paramref name="sections"/> (e.g. a band-pass
    /// <see cref="SecondOrderSections.Then"/> a notch), state carried across chunks. The filter starts
    /// from the steady state of the first sample, and again after each gap or jump back.
    /// </summary>
    public static IObservable<SignalChunk> Filter(this IObservable<SignalChunk> source, SecondOrderSections sections, GapPolicy? gaps = null)
    {
        ArgumentNullException.ThrowIfNull(sections);
        var policy = gaps ?? GapPolicy.Default;
        return source.Through<SignalChunk, SignalChunk>(o => new FilterStage(o, sections, policy));
    }

    /// <summary>
    /// Polyphase resampling by <paramref name="up"/>/<paramref name="down"/> with resample_poly's
    /// anti-aliasing filter (see <see cref="RationalResampler"/>); timestamps are interpolated from the
    /// input's. Restarts after a gap or jump back.
    /// </summary>
    public static IObservable<SignalChunk> Resample(this IObservable<SignalChunk> source, int up, int down, GapPolicy? gaps = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(up, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(down, 1);
        var policy = gaps ?? GapPolicy.Default;
        return source.Through<SignalChunk, SignalChunk>(o => new ResampleStage(o, up, down, policy));
    }

    /// <summary>Per-channel z-score against running (exponentially weighted, time constant <paramref name="timeConstantSeconds"/>) statistics of the stream.</summary>
    public static IObservable<SignalChunk> NormalizeRunning(this IObservable<SignalChunk> source, double timeConstantSeconds = 30, double epsilon = 1e-12)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(timeConstantSeconds);
        return source.Through<SignalChunk, SignalChunk>(o => new RunningNormaliser(o, timeConstantSeconds, epsilon));
    }

    /// <summary>
    /// Each channel divided by a fixed level (<paramref name="levels"/>, one per channel, in the stream's
    /// units, e.g. the subject's RMS on a first session) and clipped at +-<paramref name="clip"/>; no centring.
    /// For amplitude envelopes, whose level is the signal, where running or per-window normalisation would remove it.
    /// </summary>
    public static IObservable<SignalChunk> ScaleChannels(this IObservable<SignalChunk> source, IReadOnlyList<float> levels, float clip = 20f)
    {
        ArgumentNullException.ThrowIfNull(levels);
        if (levels.Count == 0 || levels.Any(l => !float.IsFinite(l) || l <= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(levels), "give one positive, finite level per channel");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clip);
        var copy = levels.ToArray();
        return source.Through<SignalChunk, SignalChunk>(o => new ChannelScale(o, copy, clip));
    }

    /// <summary>
    /// Windows of <paramref name="length"/> samples every <paramref name="stride"/> samples across chunk
    /// boundaries, each stamped with its last sample's timestamp; windows spanning a gap or jump back
    /// are dropped and counted. Windows are borrowed (copy with <see cref="SignalWindow.Copy"/> to keep one).
    /// </summary>
    public static IObservable<SignalWindow> SlidingWindows(this IObservable<SignalChunk> source, int length, int stride, PipelineCounters? counters = null, GapPolicy? gaps = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        var policy = gaps ?? GapPolicy.Default;
        return source.Through<SignalChunk, SignalWindow>(o => new SlidingWindower(o, length, stride, counters, policy));
    }

    /// <summary>Z-score per channel within each window.</summary>
    public static IObservable<SignalWindow> NormalizeWindows(this IObservable<SignalWindow> source, double epsilon = 1e-12) =>
        source.Through<SignalWindow, SignalWindow>(o => new WindowZScore(o, epsilon));

    /// <summary>Z-score per channel within each labelled window, keeping label and marker.</summary>
    public static IObservable<LabelledWindow> NormalizeWindows(this IObservable<LabelledWindow> source, double epsilon = 1e-12) =>
        source.Through<LabelledWindow, LabelledWindow>(o => new LabelledWindowZScore(o, epsilon));

    /// <summary>Owned copies of the windows (pooled buffers; the receiver disposes each), for queues and other threads.</summary>
    public static IObservable<SignalWindow> Owned(this IObservable<SignalWindow> source) =>
        System.Reactive.Linq.Observable.Select(source, w => w.Copy());

    /// <summary>Owned copies of the chunks (the receiver disposes each).</summary>
    public static IObservable<SignalChunk> Owned(this IObservable<SignalChunk> source) =>
        System.Reactive.Linq.Observable.Select(source, c => c.Copy());
}
