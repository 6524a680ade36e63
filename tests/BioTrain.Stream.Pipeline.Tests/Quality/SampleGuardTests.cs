using System.Reactive.Linq;
using BioTrain.Stream.Pipeline.Dsp;
using BioTrain.Stream.Pipeline.Operators;
using BioTrain.Stream.Pipeline.Quality;

namespace BioTrain.Stream.Pipeline.Tests.Quality;

public class SampleGuardTests
{
    [Fact]
    public void NaN_infinities_and_absurd_values_are_counted_per_channel_and_replaced_by_the_last_good_value()
    {
        var bad = new Dictionary<(int, int), float> { [(3, 0)] = float.NaN, [(4, 0)] = float.PositiveInfinity, [(4, 1)] = 2e9f, [(7, 1)] = float.NegativeInfinity };
        var stream = new TestStream(2, 100, 10, value: (s, c) => bad.TryGetValue((s, c), out var v) ? v : (10 * s) + c);
        var quality = new InputQuality(2, maxAbsValue: 1e6f, settleSeconds: 0);
        var output = ChunkRecord.Concat(stream.Run(s => s.GuardSamples(quality), [3, 4, 3], ChunkRecord.Of));
        Assert.Equal((2L, 2L, 4L), (quality.BadSamples(0), quality.BadSamples(1), quality.TotalBadSamples));
        Assert.Equal([20f, 20f], new[] { output.Values[3 * 2], output.Values[4 * 2] }); // channel 0 holds sample 2's value
        Assert.Equal([31f, 31f, 61f], new[] { output.Values[(4 * 2) + 1], output.Values[(5 * 2) - 1], output.Values[(7 * 2) + 1] });
        Assert.All(output.Values, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(stream.Timestamps, output.Timestamps);
    }

    [Fact]
    public void A_filter_after_the_guard_stays_finite_where_one_NaN_would_poison_it_for_ever()
    {
        var stream = new TestStream(1, 250, 2500, value: (s, _) => s == 100 ? float.NaN : MathF.Sin(s * 0.1f));
        var sections = Butterworth.BandPass(4, 8, 30, 250);
        var unguarded = ChunkRecord.Concat(stream.Run(s => s.Filter(sections), [32], ChunkRecord.Of));
        Assert.True(float.IsNaN(unguarded.Values[^1])); // the failure the guard exists for
        var quality = new InputQuality(1, 1e6f, settleSeconds: 1);
        var guarded = ChunkRecord.Concat(stream.Run(s => s.GuardSamples(quality).Filter(sections), [32], ChunkRecord.Of));
        Assert.All(guarded.Values, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Spoiled_ranges_widen_by_the_settling_time_merge_when_close_and_start_one_episode_each()
    {
        var quality = new InputQuality(2, 100, settleSeconds: 0.5);
        var episodes = new List<BadInputEpisode>();
        quality.EpisodeStarted += episodes.Add;
        quality.Bad(0, 10.0, float.NaN);
        quality.Bad(1, 10.2, 500); // within the settling time: the same range
        quality.Bad(0, 20.0, float.NegativeInfinity);
        Assert.Equal([(0, "NaN"), (0, "-Inf")], episodes.Select(e => (e.Channel, e.Kind)));
        Assert.True(quality.Spoils(8.0, 9.6)); // reaches 10.0 - 0.5
        Assert.False(quality.Spoils(8.0, 9.4));
        Assert.True(quality.Spoils(10.6, 12)); // 10.2 + 0.5
        Assert.False(quality.Spoils(10.8, 19.4));
        Assert.True(quality.Spoils(19.6, 19.7));
    }

    [Fact]
    public void Windows_over_bad_input_are_not_emitted_and_are_counted()
    {
        var stream = new TestStream(1, 100, 1000, value: (s, _) => s == 500 ? float.NaN : 1f);
        var quality = new InputQuality(1, 1e6f, settleSeconds: 0.1);
        var counters = new Metrics.PipelineCounters();
        var windows = stream.Run(
            s => s.GuardSamples(quality).SlidingWindows(100, 50, counters).Where(w => !quality.Spoils(w.FirstTimestamp, w.Timestamp)),
            [64],
            WindowRecord.Of);
        var all = (1000 - 100) / 50 + 1;
        // sample 500 +-0.1 s (samples 490..510) touches the windows starting at 400, 450, 500
        Assert.Equal(all - 3, windows.Count);
        Assert.DoesNotContain(windows, w => w.StartIndex is 400 or 450 or 500);
    }

    [Fact]
    public void A_stream_of_other_width_ends_with_a_clear_error()
    {
        var stream = new TestStream(3, 100, 10);
        var quality = new InputQuality(2, 1e6f, 0);
        var error = Assert.Throws<InvalidOperationException>(() => stream.Run(s => s.GuardSamples(quality), [5], ChunkRecord.Of));
        Assert.Contains("expects 2 channels", error.InnerException!.Message, StringComparison.Ordinal);
    }
}
