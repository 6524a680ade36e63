using System.Threading.Channels;
using BioTrain.Stream.Pipeline.Metrics;

namespace BioTrain.Stream.Pipeline.Batching;

/// <summary>
/// The hand-over from the Rx pipeline (push, never waits) to an async consumer such as the device
/// session (pull, as fast as the device goes): a bounded channel, so a slow device costs counted drops,
/// never an unbounded queue. Items must be owned (batches, or windows after <c>Owned()</c>): the consumer
/// disposes what it reads, the bridge disposes what it drops and what is left when it is disposed.
/// </summary>
public sealed class BoundedBridge<T> : IDisposable
{
    private readonly Channel<T> _channel;
    private readonly PipelineCounters? _counters;
    private readonly IDisposable _subscription;
    private long _dropped;
    private long _written;

    internal BoundedBridge(IObservable<T> source, int capacity, BridgeFullMode mode, PipelineCounters? counters)
    {
        _counters = counters;
        var options = new BoundedChannelOptions(capacity)
        {
            FullMode = mode == BridgeFullMode.DropOldest ? BoundedChannelFullMode.DropOldest : BoundedChannelFullMode.DropWrite,
            SingleWriter = true,
            SingleReader = false,
        };
        _channel = Channel.CreateBounded<T>(options, OnDropped);
        _subscription = source.Subscribe(OnNext, error => _channel.Writer.TryComplete(error), () => _channel.Writer.TryComplete());
    }

    /// <summary>The consumer's end: completes when the source completes (or fails with its error).</summary>
    public ChannelReader<T> Reader => _channel.Reader;

    /// <summary>Items accepted into the channel (dropped later or not).</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Items dropped because the channel was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    private void OnNext(T item)
    {
        if (_channel.Writer.TryWrite(item))
        {
            Interlocked.Increment(ref _written);
            _counters?.AddBridgeWritten();
        }
        else
        {
            // Only after completion; the item is not ours to keep.
            (item as IDisposable)?.Dispose();
        }
    }

    private void OnDropped(T item)
    {
        Interlocked.Increment(ref _dropped);
        _counters?.AddBridgeDropped();
        (item as IDisposable)?.Dispose();
    }

    /// <summary>Stops taking items, completes the channel and disposes what is still queued.</summary>
    public void Dispose()
    {
        _subscription.Dispose();
        _channel.Writer.TryComplete();
        while (_channel.Reader.TryRead(out var item))
        {
            (item as IDisposable)?.Dispose();
        }
    }
}
