using System.Buffers;
using System.Collections;

namespace BioTrain.Stream.Pipeline.Batching;

/// <summary>One labelled window in a batch: channel-major values (C x T), class, and the window's last timestamp.</summary>
public readonly record struct BatchItem(ReadOnlyMemory<float> Values, int Label, int ChannelCount, int Length, double Timestamp, Marker Marker);

/// <summary>
/// A class-balanced batch for training. The batch <b>owns</b> its items' buffers (pooled): the
/// receiver disposes it once the device has taken it (the bounded bridge disposes batches it drops).
/// The daemon maps each item to the device's sample type, e.g. <c>new LabelledSample(item.Values, item.Label)</c>.
/// </summary>
public sealed class WindowBatch : IReadOnlyList<BatchItem>, IDisposable
{
    private readonly BatchItem[] _items;
    private float[][]? _buffers;

    internal WindowBatch(BatchItem[] items, float[][] buffers)
    {
        _items = items;
        _buffers = buffers;
    }

    public int Count => _items.Length;

    public BatchItem this[int index] => _items[index];

    /// <summary>How many items of each class (index = class).</summary>
    public int[] CountPerClass(int classCount)
    {
        var counts = new int[classCount];
        foreach (var item in _items)
        {
            counts[item.Label]++;
        }
        return counts;
    }

    public IEnumerator<BatchItem> GetEnumerator() => ((IEnumerable<BatchItem>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public void Dispose()
    {
        var buffers = Interlocked.Exchange(ref _buffers, null);
        if (buffers is null)
        {
            return;
        }
        foreach (var buffer in buffers)
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }
}
