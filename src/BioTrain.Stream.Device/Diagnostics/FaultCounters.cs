namespace BioTrain.Stream.Device.Diagnostics;

/// <summary>Faults a <see cref="FaultInjectingProxy"/> injected so far.</summary>
public sealed class FaultCounters
{
    private long _bytes;
    private long _corrupted;
    private long _dropped;
    private long _duplicated;
    private long _delayed;

    public long Bytes => Interlocked.Read(ref _bytes);

    public long Corrupted => Interlocked.Read(ref _corrupted);

    public long Dropped => Interlocked.Read(ref _dropped);

    public long Duplicated => Interlocked.Read(ref _duplicated);

    public long Delayed => Interlocked.Read(ref _delayed);

    internal void Add(long bytes, long corrupted, long dropped, long duplicated)
    {
        Interlocked.Add(ref _bytes, bytes);
        Interlocked.Add(ref _corrupted, corrupted);
        Interlocked.Add(ref _dropped, dropped);
        Interlocked.Add(ref _duplicated, duplicated);
    }

    internal void DelayedOnce() => Interlocked.Increment(ref _delayed);
}
