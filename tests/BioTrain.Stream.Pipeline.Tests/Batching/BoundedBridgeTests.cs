using System.Reactive.Subjects;
using BioTrain.Stream.Pipeline.Batching;
using BioTrain.Stream.Pipeline.Metrics;
using BioTrain.Stream.Pipeline.Operators;

namespace BioTrain.Stream.Pipeline.Tests.Batching;

public class BoundedBridgeTests
{
    private sealed class Item(int id) : IDisposable
    {
        public int Id { get; } = id;

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    [Theory]
    [InlineData(BridgeFullMode.DropOldest, new[] { 96, 97, 98, 99 })]
    [InlineData(BridgeFullMode.DropNewest, new[] { 0, 1, 2, 3 })]
    public void A_consumer_that_does_not_keep_up_costs_counted_drops_and_dropped_items_are_disposed(BridgeFullMode mode, int[] kept)
    {
        var counters = new PipelineCounters();
        var items = Enumerable.Range(0, 100).Select(i => new Item(i)).ToArray();
        using var subject = new Subject<Item>();
        using var bridge = subject.ToBoundedChannel(4, mode, counters);
        foreach (var item in items)
        {
            subject.OnNext(item);
        }
        subject.OnCompleted();

        Assert.Equal(96, bridge.Dropped);
        Assert.Equal(96, counters.BridgeDropped);
        var read = new List<int>();
        while (bridge.Reader.TryRead(out var item))
        {
            read.Add(item.Id);
        }
        Assert.Equal(kept, read);
        Assert.True(bridge.Reader.Completion.IsCompleted);
        Assert.All(items.Where(i => !kept.Contains(i.Id)), i => Assert.True(i.Disposed));
        Assert.All(items.Where(i => kept.Contains(i.Id)), i => Assert.False(i.Disposed));
    }

    [Fact]
    public async Task A_slow_async_consumer_gets_every_item_it_does_not_lose_and_the_books_balance()
    {
        var counters = new PipelineCounters();
        using var subject = new Subject<Item>();
        using var bridge = subject.ToBoundedChannel(8, BridgeFullMode.DropOldest, counters);
        var consumer = Task.Run(async () =>
        {
            var received = new List<int>();
            await foreach (var item in bridge.Reader.ReadAllAsync())
            {
                received.Add(item.Id);
                item.Dispose();
                await Task.Yield(); // slower than the producer, without depending on timing
            }
            return received;
        });
        for (var i = 0; i < 5000; i++)
        {
            subject.OnNext(new Item(i));
        }
        subject.OnCompleted();
        var got = await consumer;

        Assert.Equal(5000, bridge.Written);
        Assert.Equal(5000, got.Count + bridge.Dropped); // nothing vanishes uncounted
        Assert.Equal(got.Order(), got); // order kept
        Assert.Equal(4999, got[^1]); // drop-oldest always keeps the newest
    }

    [Fact]
    public void Disposing_the_bridge_disposes_what_is_still_queued()
    {
        var items = Enumerable.Range(0, 3).Select(i => new Item(i)).ToArray();
        using var subject = new Subject<Item>();
        var bridge = subject.ToBoundedChannel(8, BridgeFullMode.DropNewest);
        foreach (var item in items)
        {
            subject.OnNext(item);
        }
        bridge.Dispose();
        Assert.All(items, i => Assert.True(i.Disposed));
        Assert.False(subject.HasObservers);
    }

    [Fact]
    public async Task Owned_windows_cross_the_bridge_intact()
    {
        var stream = new TestStream(2, 100, 100, value: (s, c) => s + c);
        using var subject = new Subject<SignalChunk>();
        using var bridge = subject.SlidingWindows(10, 10).Owned().ToBoundedChannel(16, BridgeFullMode.DropNewest);
        stream.Replay(subject, [7]);
        var starts = new List<float>();
        await foreach (var window in bridge.Reader.ReadAllAsync())
        {
            using (window)
            {
                starts.Add(window.Channel(0)[0]);
            }
        }
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i * 10f), starts);
    }
}
