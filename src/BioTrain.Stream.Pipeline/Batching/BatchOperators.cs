using BioTrain.Stream.Pipeline.Metrics;
using BioTrain.Stream.Pipeline.Operators;

namespace BioTrain.Stream.Pipeline.Batching;

/// <summary>Class-balanced batching and the bounded bridge to an async consumer.</summary>
public static class BatchOperators
{
    /// <summary>Class-balanced batches (see <see cref="BatchOptions"/>); each batch is owned by the receiver, who disposes it.</summary>
    public static IObservable<WindowBatch> BalancedBatches(this IObservable<LabelledWindow> source, BatchOptions options, PipelineCounters? counters = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return source.Through<LabelledWindow, WindowBatch>(o => new ClassBalancedBatcher(o, options, counters));
    }

    /// <summary>
    /// Subscribes now and hands items over through a bounded channel of <paramref name="capacity"/>;
    /// when full, drops per <paramref name="mode"/> and counts. Items must be owned: batches, or
    /// windows and chunks after <c>Owned()</c> (a borrowed window would be overwritten while queued). Dispose the bridge to unsubscribe.
    /// </summary>
    public static BoundedBridge<T> ToBoundedChannel<T>(this IObservable<T> source, int capacity, BridgeFullMode mode, PipelineCounters? counters = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        return new BoundedBridge<T>(source, capacity, mode, counters);
    }
}
