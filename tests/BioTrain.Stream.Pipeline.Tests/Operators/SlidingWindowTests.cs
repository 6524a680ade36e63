using BioTrain.Stream.Pipeline.Dsp;
using BioTrain.Stream.Pipeline.Metrics;
using BioTrain.Stream.Pipeline.Operators;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace BioTrain.Stream.Pipeline.Tests.Operators;

public class SlidingWindowTests
{
    [Property(MaxTest = 60)]
    public Property Windows_are_identical_however_the_input_is_chunked() =>
        Prop.ForAll(Generators.ChunkSizes(700).ToArbitrary(), Gen.Choose(1, 120).ToArbitrary(), Gen.Choose(1, 60).ToArbitrary(), (sizes, length, stride) =>
        {
            // With a filter in front and a gap in the middle, so state and gap handling are covered too.
            var stream = new TestStream(3, 250, 760, seed: length).WithoutSamples(400, 60);
            IObservable<SignalWindow> Pipeline(IObservable<SignalChunk> s) =>
                s.Filter(Butterworth.BandPass(2, 1, 40, 250)).SlidingWindows(length, stride);
            var whole = stream.Run(Pipeline, [stream.Samples], WindowRecord.Of);
            var chunked = stream.Run(Pipeline, sizes, WindowRecord.Of);
            return whole.Count == chunked.Count && whole.Zip(chunked).All(p => p.First.SameAs(p.Second));
        });

    [Property(MaxTest = 60)]
    public Property The_window_clock_ends_where_the_windower_emits_gaps_and_jumps_back_included() =>
        Prop.ForAll(Gen.Choose(1, 120).ToArbitrary(), Gen.Choose(1, 60).ToArbitrary(), Gen.Choose(0, 700).ToArbitrary(), (length, stride, cut) =>
        {
            var stream = new TestStream(2, 250, 760, seed: length).WithoutSamples(cut, 60);
            stream.Timestamps.AsSpan(Math.Min(cut + 200, stream.Samples - 1)).Fill(500); // and a clock reset
            var windows = stream.Run(s => s.SlidingWindows(length, stride), [37], w => (w.StartIndex + length, w.Timestamp));
            var windowed = new PipelineCounters();
            stream.Run(s => s.SlidingWindows(length, stride, windowed), [stream.Samples], w => w.StartIndex);
            var clocked = new PipelineCounters();
            var clock = new WindowClock(length, stride, clocked);
            var ends = new List<(long, double)>();
            foreach (var t in stream.Timestamps)
            {
                if (clock.Step(t, stream.Rate) == WindowEnd.Window)
                {
                    ends.Add((clock.Received, t));
                }
            }

            return ends.SequenceEqual(windows) && clocked.Windows == windowed.Windows && clocked.WindowsDroppedForGaps == windowed.WindowsDroppedForGaps;
        });

    [Fact]
    public void Each_window_holds_its_samples_channel_major_and_the_timestamp_of_its_last_sample()
    {
        var stream = new TestStream(2, 100, 50, start: 10, value: (s, c) => (c * 1000) + s);
        var windows = stream.Run(s => s.SlidingWindows(20, 10), [7, 7, 7], WindowRecord.Of);
        Assert.Equal([0L, 10, 20, 30], windows.Select(w => w.StartIndex));
        foreach (var w in windows)
        {
            var first = (int)w.StartIndex;
            Assert.Equal(Enumerable.Range(first, 20).Select(s => (float)s), w.Values[..20]);
            Assert.Equal(Enumerable.Range(first, 20).Select(s => 1000f + s), w.Values[20..]);
            Assert.Equal(stream.Timestamps[first + 19], w.Timestamp);
            Assert.Equal(stream.Timestamps[first], w.FirstTimestamp);
        }
    }

    [Fact]
    public void Windows_spanning_a_gap_are_dropped_and_counted_never_bridged()
    {
        var counters = new PipelineCounters();
        var stream = new TestStream(1, 100, 200, value: (s, _) => s).WithoutSamples(95, 10);
        var windows = stream.Run(s => s.TrackStream(counters).SlidingWindows(20, 10, counters), [33], WindowRecord.Of);

        Assert.Equal(1, counters.Gaps);
        Assert.Equal(10, counters.MissingSamples);
        // Received indices 0..189; the break is at received index 95. Windows start every 10: 0..170.
        // Those starting at 80 and 90 span it (76..95 would too if it existed).
        Assert.Equal(2, counters.WindowsDroppedForGaps);
        Assert.Equal(16, counters.Windows);
        Assert.All(windows, w => Assert.True(w.Timestamp - w.FirstTimestamp < 0.195, "no window reaches across the gap"));
        Assert.Equal(190, counters.SamplesIn);
        Assert.Equal(190, counters.SamplesWindowed);
        Assert.Equal(100, counters.NominalRate);
        Assert.Equal(189 / 1.99, counters.EffectiveRate, 6); // missing samples lower the effective rate
    }

    [Fact]
    public void Gap_handling_can_be_turned_off_explicitly()
    {
        var counters = new PipelineCounters();
        var stream = new TestStream(1, 100, 200).WithoutSamples(95, 10);
        stream.Run(s => s.TrackStream(counters, GapPolicy.None).SlidingWindows(20, 10, counters, GapPolicy.None), [33], WindowRecord.Of);
        Assert.Equal((0L, 0L, 18L), (counters.Gaps, counters.WindowsDroppedForGaps, counters.Windows));
    }

    [Fact]
    public void A_clock_jump_back_is_counted_and_no_window_spans_it()
    {
        var counters = new PipelineCounters();
        var stream = new TestStream(1, 100, 100);
        for (var s = 50; s < 100; s++)
        {
            stream.Timestamps[s] -= 5; // the source's clock was reset
        }
        var windows = stream.Run(s => s.TrackStream(counters).SlidingWindows(10, 10, counters), [100], WindowRecord.Of);
        Assert.Equal(1, counters.TimestampJumpsBack);
        Assert.Equal(0, counters.Gaps);
        Assert.Equal(10, windows.Count); // the break falls on a window boundary: nothing to drop
        Assert.Equal(0, counters.WindowsDroppedForGaps);
    }

    [Fact]
    public void Jitter_within_the_tolerance_is_not_a_gap()
    {
        var counters = new PipelineCounters();
        var stream = new TestStream(1, 100, 100);
        var random = new Random(5);
        for (var s = 0; s < 100; s++)
        {
            stream.Timestamps[s] += (random.NextDouble() - 0.5) * 0.004; // +-0.2 periods
        }
        stream.Run(s => s.TrackStream(counters).SlidingWindows(10, 5, counters), [9], WindowRecord.Of);
        Assert.Equal(0, counters.Gaps + counters.TimestampJumpsBack + counters.WindowsDroppedForGaps);
        Assert.Equal(19, counters.Windows);
    }
}
