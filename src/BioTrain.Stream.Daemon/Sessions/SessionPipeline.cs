using System.Reactive.Linq;
using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Pipeline;
using BioTrain.Stream.Pipeline.Epochs;
using BioTrain.Stream.Pipeline.Metrics;
using BioTrain.Stream.Pipeline.Operators;
using BioTrain.Stream.Pipeline.Quality;

namespace BioTrain.Stream.Daemon.Sessions;

/// <summary>
/// The operator chain of a session, in one place so that live sessions and offline uses
/// (pretraining on recordings, experiments) cut exactly the same windows.
/// </summary>
public static class SessionPipeline
{
    /// <summary>The input guard's record for a session's selected channels, with its configured limits.</summary>
    public static InputQuality Quality(SessionPlan plan, InputOptions input)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(input);
        return new InputQuality(plan.Channels.Length, input.MaxAbsValue, input.BadInputSettleSeconds);
    }

    /// <summary>Channel selection, the input guard, re-referencing, filters and resampling.</summary>
    public static IObservable<SignalChunk> Preprocess(IObservable<SignalChunk> chunks, SessionPlan plan, PipelineOptions options, PipelineCounters counters, InputQuality quality)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(options);
        var output = chunks.TrackStream(counters).SelectChannels(plan.Channels).GuardSamples(quality);
        if (options.CommonAverageReference)
        {
            output = output.CommonAverageReference();
        }

        foreach (var sections in plan.Filters)
        {
            output = output.Filter(sections);
        }

        if (plan.Up != plan.Down)
        {
            output = output.Resample(plan.Up, plan.Down);
        }

        return options.Normalize switch
        {
            NormalizeMode.Running => output.NormalizeRunning(options.NormalizeSeconds),
            NormalizeMode.Scale => output.ScaleChannels([.. options.ChannelLevels.Select(l => (float)l)], (float)options.ScaleClip),
            _ => output,
        };
    }

    /// <summary>Sliding windows for inference that overlap no bad input, normalised as configured (borrowed: copy to keep).</summary>
    public static IObservable<SignalWindow> InferenceWindows(IObservable<SignalChunk> preprocessed, SessionPlan plan, PipelineOptions options, PipelineCounters counters, InputQuality quality)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(counters);
        ArgumentNullException.ThrowIfNull(quality);
        var windows = preprocessed.SlidingWindows(plan.WindowSamples, plan.StrideSamples, counters).Where(w => Clean(quality, counters, w, epoch: false));
        return options.Normalize == NormalizeMode.ZScore ? windows.NormalizeWindows() : windows;
    }

    /// <summary>Labelled epochs at every configured offset from their markers, normalised as configured (borrowed).</summary>
    public static IObservable<LabelledWindow> LabelledEpochs(IObservable<SignalChunk> preprocessed, IObservable<Marker> markers, SessionPlan plan, SessionOptions options, PipelineCounters counters, InputQuality quality)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(counters);
        ArgumentNullException.ThrowIfNull(quality);
        var classes = options.Markers.Classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var length = plan.WindowSamples / plan.Rate;
        var perOffset = options.Pipeline.EpochOffsetsSeconds.Select(offset =>
        {
            var epochs = preprocessed.Epochs(markers, new EpochOptions { Classes = classes, TMin = offset, TMax = offset + length }, counters)
                .Where(e => Clean(quality, counters, e.Window, epoch: true));
            return options.Pipeline.Normalize == NormalizeMode.ZScore ? epochs.NormalizeWindows() : epochs;
        });
        return perOffset.Merge();
    }

    /// <summary>Whether a window overlaps no bad input; counts it as dropped when it does.</summary>
    public static bool Clean(InputQuality quality, PipelineCounters counters, SignalWindow window, bool epoch)
    {
        ArgumentNullException.ThrowIfNull(window);
        return Clean(quality, counters, window.FirstTimestamp, window.Timestamp, epoch);
    }

    /// <summary>Whether the span from <paramref name="first"/> to <paramref name="last"/> overlaps no bad input; counts it as dropped when it does.</summary>
    public static bool Clean(InputQuality quality, PipelineCounters counters, double first, double last, bool epoch)
    {
        ArgumentNullException.ThrowIfNull(quality);
        ArgumentNullException.ThrowIfNull(counters);
        if (!quality.Spoils(first, last))
        {
            return true;
        }

        if (epoch)
        {
            counters.AddEpochDroppedForBadInput();
        }
        else
        {
            counters.AddWindowDroppedForBadInput();
        }

        return false;
    }
}
