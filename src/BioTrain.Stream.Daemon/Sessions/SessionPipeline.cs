using System.Reactive.Linq;
using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Pipeline;
using BioTrain.Stream.Pipeline.Epochs;
using BioTrain.Stream.Pipeline.Metrics;
using BioTrain.Stream.Pipeline.Operators;

namespace BioTrain.Stream.Daemon.Sessions;

/// <summary>
/// The operator chain of a session, in one place so that live sessions and offline uses
/// (pretraining on recordings, experiments) cut exactly the same windows.
/// </summary>
public static class SessionPipeline
{
    /// <summary>Channel selection, re-referencing, filters and resampling.</summary>
    public static IObservable<SignalChunk> Preprocess(IObservable<SignalChunk> chunks, SessionPlan plan, PipelineOptions options, PipelineCounters counters)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(options);
        var output = chunks.TrackStream(counters).SelectChannels(plan.Channels);
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

        return options.Normalize == NormalizeMode.Running ? output.NormalizeRunning(options.NormalizeSeconds) : output;
    }

    /// <summary>Sliding windows for inference, normalised as configured (borrowed: copy to keep).</summary>
    public static IObservable<SignalWindow> InferenceWindows(IObservable<SignalChunk> preprocessed, SessionPlan plan, PipelineOptions options, PipelineCounters counters)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(options);
        var windows = preprocessed.SlidingWindows(plan.WindowSamples, plan.StrideSamples, counters);
        return options.Normalize == NormalizeMode.ZScore ? windows.NormalizeWindows() : windows;
    }

    /// <summary>Labelled epochs at every configured offset from their markers, normalised as configured (borrowed).</summary>
    public static IObservable<LabelledWindow> LabelledEpochs(IObservable<SignalChunk> preprocessed, IObservable<Marker> markers, SessionPlan plan, SessionOptions options, PipelineCounters counters)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(options);
        var classes = options.Markers.Classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var length = plan.WindowSamples / plan.Rate;
        var perOffset = options.Pipeline.EpochOffsetsSeconds.Select(offset =>
        {
            var epochs = preprocessed.Epochs(markers, new EpochOptions { Classes = classes, TMin = offset, TMax = offset + length }, counters);
            return options.Pipeline.Normalize == NormalizeMode.ZScore ? epochs.NormalizeWindows() : epochs;
        });
        return perOffset.Merge();
    }
}
