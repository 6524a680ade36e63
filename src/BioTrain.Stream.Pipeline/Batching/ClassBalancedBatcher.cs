using System.Buffers;
using BioTrain.Stream.Pipeline.Metrics;
using BioTrain.Stream.Pipeline.Operators;

namespace BioTrain.Stream.Pipeline.Batching;

/// <summary>
/// Copies each labelled window into a pooled buffer in its class's bounded queue, and emits a batch as
/// soon as every class has <see cref="BatchOptions.PerClass"/> windows, round-robin over the classes.
/// </summary>
internal sealed class ClassBalancedBatcher(IObserver<WindowBatch> downstream, BatchOptions options, PipelineCounters? counters)
    : Stage<LabelledWindow, WindowBatch>(downstream)
{
    private readonly Queue<(BatchItem Item, float[] Buffer)>[] _queues =
        [.. Enumerable.Range(0, options.ClassCount).Select(_ => new Queue<(BatchItem, float[])>(options.QueueCapacity))];

    protected override void Process(LabelledWindow input)
    {
        if (input.Label < 0 || input.Label >= options.ClassCount)
        {
            throw new InvalidOperationException($"Label {input.Label} (marker '{input.Marker.Value}') is outside the {options.ClassCount} classes of the batcher.");
        }
        var window = input.Window;
        var values = window.Values;
        var buffer = ArrayPool<float>.Shared.Rent(values.Length);
        values.CopyTo(buffer);
        var queue = _queues[input.Label];
        if (queue.Count >= options.QueueCapacity)
        {
            ArrayPool<float>.Shared.Return(queue.Dequeue().Buffer);
            counters?.AddDroppedFromClassQueue();
        }
        queue.Enqueue((new BatchItem(new ReadOnlyMemory<float>(buffer, 0, values.Length), input.Label, window.ChannelCount, window.Length, window.Timestamp, input.Marker), buffer));
        counters?.AddQueuedForBatch();

        if (_queues.All(q => q.Count >= options.PerClass))
        {
            Emit(options.PerClass);
        }
    }

    protected override void Complete()
    {
        if (options.EmitRemainderOnCompletion && _queues.Any(q => q.Count > 0))
        {
            Emit(_queues.Max(q => q.Count));
        }
    }

    /// <summary>Takes up to <paramref name="rounds"/> windows per class, class by class.</summary>
    private void Emit(int rounds)
    {
        var items = new List<BatchItem>(rounds * _queues.Length);
        var buffers = new List<float[]>(rounds * _queues.Length);
        for (var r = 0; r < rounds; r++)
        {
            foreach (var queue in _queues)
            {
                if (queue.TryDequeue(out var entry))
                {
                    items.Add(entry.Item);
                    buffers.Add(entry.Buffer);
                }
            }
        }
        counters?.AddBatch();
        Downstream.OnNext(new WindowBatch([.. items], [.. buffers]));
    }

    protected override void Release()
    {
        foreach (var queue in _queues)
        {
            while (queue.TryDequeue(out var entry))
            {
                ArrayPool<float>.Shared.Return(entry.Buffer);
            }
        }
    }
}
