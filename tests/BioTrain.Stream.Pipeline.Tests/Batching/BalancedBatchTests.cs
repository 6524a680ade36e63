using System.Reactive.Subjects;
using BioTrain.Stream.Pipeline.Batching;
using BioTrain.Stream.Pipeline.Metrics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace BioTrain.Stream.Pipeline.Tests.Batching;

public class BalancedBatchTests
{
    /// <summary>Pushes one labelled window per label (its values: the running index), then completes.</summary>
    private static (List<WindowBatch> Batches, PipelineCounters Counters) Run(IEnumerable<int> labels, BatchOptions options)
    {
        var counters = new PipelineCounters();
        var batches = new List<WindowBatch>();
        using var window = new SignalWindow(2, 3, 100, "eeg");
        using var subject = new Subject<LabelledWindow>();
        using (subject.BalancedBatches(options, counters).Subscribe(batches.Add))
        {
            var i = 0;
            foreach (var label in labels)
            {
                window.Values.Fill(i);
                window.Timestamp = i;
                subject.OnNext(new LabelledWindow(window, label, new Marker(i, $"class {label}")));
                i++;
            }
            subject.OnCompleted();
        }
        return (batches, counters);
    }

    [Property(MaxTest = 100)]
    public Property Every_batch_has_per_class_windows_of_each_class_interleaved() =>
        Prop.ForAll(Gen.ListOf(Gen.Choose(0, 2)).ToArbitrary(), Gen.Choose(1, 4).ToArbitrary(), (labels, perClass) =>
        {
            var options = new BatchOptions { ClassCount = 3, PerClass = perClass, QueueCapacity = 1000 };
            var (batches, counters) = Run(labels, options);
            var expected = Enumerable.Range(0, 3).Select(c => labels.Count(l => l == c)).Min() / perClass;
            var ok = batches.Count == expected && counters.Batches == expected
                && batches.All(b => b.Count == 3 * perClass
                    && b.CountPerClass(3).All(n => n == perClass)
                    && b.Select((item, i) => item.Label == i % 3).All(x => x));
            foreach (var b in batches)
            {
                b.Dispose();
            }
            return ok;
        });

    [Fact]
    public void Windows_keep_their_order_within_a_class_and_their_values_are_copies()
    {
        var (batches, counters) = Run([0, 0, 1, 0, 1, 1], new BatchOptions { ClassCount = 2, PerClass = 2 });
        using var batch = Assert.Single(batches);
        Assert.Equal([0, 1, 0, 1], batch.Select(i => i.Label));
        Assert.Equal([0f, 2, 1, 4], batch.Select(i => i.Values.Span[0])); // window 0, 2, 1, 4 (copied as they were)
        Assert.All(batch, i => Assert.Equal((2, 3, 6), (i.ChannelCount, i.Length, i.Values.Length)));
        Assert.Equal(6, counters.WindowsQueuedForBatches);
    }

    [Fact]
    public void A_full_class_queue_drops_its_oldest_and_counts_it()
    {
        var labels = Enumerable.Repeat(0, 10).Append(1).Append(1);
        var (batches, counters) = Run(labels, new BatchOptions { ClassCount = 2, PerClass = 2, QueueCapacity = 4 });
        using var batch = Assert.Single(batches);
        Assert.Equal(6, counters.WindowsDroppedFromClassQueues);
        Assert.Equal([6f, 10, 7, 11], batch.Select(i => i.Values.Span[0])); // the newest of class 0 survived
    }

    [Fact]
    public void The_remainder_is_emitted_at_the_end_only_when_asked()
    {
        int[] labels = [0, 1, 0, 0];
        var kept = Run(labels, new BatchOptions { ClassCount = 2, PerClass = 2, EmitRemainderOnCompletion = true });
        Assert.Equal([0, 1, 0, 0], Assert.Single(kept.Batches).Select(i => i.Label));
        var dropped = Run(labels, new BatchOptions { ClassCount = 2, PerClass = 2 });
        Assert.Empty(dropped.Batches);
    }

    [Fact]
    public void A_label_outside_the_classes_ends_the_stream_with_an_error()
    {
        Exception? error = null;
        using var subject = new Subject<LabelledWindow>();
        using var window = new SignalWindow(1, 1, 100, "eeg");
        using var subscription = subject.BalancedBatches(new BatchOptions { ClassCount = 2, PerClass = 1 }).Subscribe(_ => { }, e => error = e);
        subject.OnNext(new LabelledWindow(window, 5, new Marker(0, "odd")));
        Assert.IsType<InvalidOperationException>(error);
    }
}
