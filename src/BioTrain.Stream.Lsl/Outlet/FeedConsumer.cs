using BioTrain.Stream.Lsl.Internal;

namespace BioTrain.Stream.Lsl.Outlet;

/// <summary>
/// One inlet's view of the outlet's ring: its read position, its own capacity (the inlet's
/// Max-Buffer-Length), how many samples it lost to overflow, and the signal that wakes its sender.
/// </summary>
internal sealed class FeedConsumer
{
    public FeedConsumer(long start, int capacity, int maxChunk, FeedEncoder encoder)
    {
        Next = start;
        Capacity = capacity;
        MaxChunk = maxChunk;
        Encoder = encoder;
    }

    /// <summary>Sequence number of the next sample to send.</summary>
    public long Next { get; set; }

    /// <summary>Sequence number of the last sample sent, for deduced timestamps (-1: none yet).</summary>
    public long LastSent { get; set; } = -1;

    public int Capacity { get; }

    public int MaxChunk { get; }

    public FeedEncoder Encoder { get; }

    public WakeSignal Signal { get; } = new();

    private FeedSender? _sender;

    /// <summary>From now on a push may send to this consumer's socket itself (see <see cref="FeedSender"/>).</summary>
    public void Attach(FeedSender sender) => Volatile.Write(ref _sender, sender);

    public SendCounts SendCounts => Volatile.Read(ref _sender)?.Counts ?? default;

    public void Detach(FeedSender sender) => Interlocked.CompareExchange(ref _sender, null, sender);

    /// <summary>Called after a push: sends on the pushing thread when the connection is idle, else wakes the sender thread.</summary>
    public void Wake()
    {
        if (Volatile.Read(ref _sender) is { } sender && sender.TrySendFromPusher())
        {
            return;
        }

        Signal.Set();
    }

    private long _dropped;

    public long Dropped => Interlocked.Read(ref _dropped);

    public void AddDropped(long count) => Interlocked.Add(ref _dropped, count);
}
