using BioTrain.Stream.Pipeline.Dsp;
using BioTrain.Stream.Pipeline.Operators;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace BioTrain.Stream.Pipeline.Tests.Operators;

public class ChunkOperatorTests
{
    [Fact]
    public void Channel_selection_keeps_the_given_channels_in_order()
    {
        var stream = new TestStream(4, 100, 10, value: (s, c) => (10 * s) + c);
        var output = ChunkRecord.Concat(stream.Run(s => s.SelectChannels(3, 1), [3], ChunkRecord.Of));
        Assert.Equal(2, output.Channels);
        Assert.Equal(Enumerable.Range(0, 10).SelectMany(s => new float[] { (10 * s) + 3, (10 * s) + 1 }), output.Values);
        Assert.Equal(stream.Timestamps, output.Timestamps);
    }

    [Fact]
    public void Common_average_reference_removes_the_mean_of_the_set_only()
    {
        var stream = new TestStream(4, 100, 5, value: (s, c) => c == 3 ? 7 : (c + 1) * (s + 1));
        var all = ChunkRecord.Concat(stream.Run(s => s.CommonAverageReference(), [2], ChunkRecord.Of));
        for (var s = 0; s < 5; s++)
        {
            Assert.Equal(0, all.Values.AsSpan(s * 4, 4).ToArray().Sum(), 4);
        }
        var set = ChunkRecord.Concat(stream.Run(s => s.CommonAverageReference([0, 1, 2]), [2], ChunkRecord.Of));
        for (var s = 0; s < 5; s++)
        {
            var mean = 2f * (s + 1); // mean of 1, 2, 3 times (s + 1)
            Assert.Equal([(s + 1) - mean, (2 * (s + 1)) - mean, (3 * (s + 1)) - mean, 7f], set.Values.AsSpan(s * 4, 4).ToArray());
        }
    }

    [Fact]
    public void Channel_indices_out_of_range_end_the_stream_with_an_error()
    {
        var stream = new TestStream(2, 100, 10);
        var error = Assert.Throws<InvalidOperationException>(() => stream.Run(s => s.SelectChannels(0, 5), [5], ChunkRecord.Of));
        Assert.Contains("Channel 5", error.InnerException!.Message, StringComparison.Ordinal);
    }

    [Property(MaxTest = 40)]
    public Property Filter_operator_output_is_the_same_however_the_input_is_chunked() =>
        Prop.ForAll(Generators.ChunkSizes(400).ToArbitrary(), sizes =>
        {
            var stream = new TestStream(4, 1000, 460, seed: 9).WithoutSamples(200, 60);
            var sos = Butterworth.BandPass(4, 8, 30, 1000).Then(Notch.Design(50, 30, 1000));
            var whole = ChunkRecord.Concat(stream.Run(s => s.Filter(sos), [stream.Samples], ChunkRecord.Of));
            var chunked = ChunkRecord.Concat(stream.Run(s => s.Filter(sos), sizes, ChunkRecord.Of));
            return whole.Values.AsSpan().SequenceEqual(chunked.Values) && whole.Timestamps.AsSpan().SequenceEqual(chunked.Timestamps);
        });

    [Fact]
    public void Filter_restarts_after_a_gap_instead_of_filtering_across_it()
    {
        var stream = new TestStream(2, 250, 300, seed: 4).WithoutSamples(100, 25);
        var sos = Butterworth.HighPass(2, 1, 250);
        var output = ChunkRecord.Concat(stream.Run(s => s.Filter(sos), [64], ChunkRecord.Of));

        // After the gap the output equals a fresh filter started on the samples after it.
        var after = stream.Values[(100 * 2)..];
        var fresh = new SosFilter(sos, 2);
        fresh.ResetToSteadyState(after.AsSpan(0, 2));
        var expected = (float[])after.Clone();
        fresh.Process(expected);
        Assert.Equal(expected, output.Values[(100 * 2)..]);
    }

    [Fact]
    public void Filter_starts_from_the_first_samples_steady_state_so_an_offset_does_not_ring()
    {
        var stream = new TestStream(1, 250, 500, value: (_, _) => 500f); // a 500 uV electrode offset
        var output = ChunkRecord.Concat(stream.Run(s => s.Filter(Butterworth.BandPass(4, 8, 30, 250)), [32], ChunkRecord.Of));
        Assert.All(output.Values, v => Assert.True(Math.Abs(v) < 1e-3, $"{v}"));
    }

    [Fact]
    public void Resample_halves_the_rate_keeps_timestamps_on_the_input_clock_and_restarts_at_gaps()
    {
        var stream = new TestStream(2, 500, 1000, start: 50).WithoutSamples(600, 100);
        var output = ChunkRecord.Concat(stream.Run(s => s.Resample(1, 2), [77], ChunkRecord.Of));
        Assert.Equal(250, output.Rate);
        var steps = output.Timestamps.Zip(output.Timestamps.Skip(1), (a, b) => b - a).ToArray();
        Assert.Equal(1, steps.Count(d => d > 0.0041)); // one gap, carried to the output
        Assert.All(steps.Where(d => d <= 0.0041), d => Assert.Equal(0.004, d, 9));
        Assert.Equal(50, output.Timestamps[0], 9); // output sample 0 sits at input sample 0
    }

    [Property(MaxTest = 30)]
    public Property Resample_operator_output_is_the_same_however_the_input_is_chunked() =>
        Prop.ForAll(Generators.ChunkSizes(500).ToArbitrary(), sizes =>
        {
            var stream = new TestStream(2, 1000, 560, seed: 2).WithoutSamples(300, 60);
            var whole = ChunkRecord.Concat(stream.Run(s => s.Resample(1, 4), [stream.Samples], ChunkRecord.Of));
            var chunked = ChunkRecord.Concat(stream.Run(s => s.Resample(1, 4), sizes, ChunkRecord.Of));
            return whole.Values.AsSpan().SequenceEqual(chunked.Values) && whole.Timestamps.AsSpan().SequenceEqual(chunked.Timestamps);
        });

    [Property(MaxTest = 30)]
    public Property Running_normalisation_is_the_same_however_the_input_is_chunked() =>
        Prop.ForAll(Generators.ChunkSizes(300).ToArbitrary(), sizes =>
        {
            var stream = new TestStream(3, 100, 300, seed: 3);
            var whole = ChunkRecord.Concat(stream.Run(s => s.NormalizeRunning(1), [300], ChunkRecord.Of));
            var chunked = ChunkRecord.Concat(stream.Run(s => s.NormalizeRunning(1), sizes, ChunkRecord.Of));
            return whole.Values.AsSpan().SequenceEqual(chunked.Values);
        });

    [Fact]
    public void Running_normalisation_brings_a_scaled_offset_signal_to_zero_mean_unit_variance()
    {
        var random = new Random(11);
        var noise = Enumerable.Range(0, 20000).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray(); // stationary
        var stream = new TestStream(1, 100, 20000, value: (s, _) => 40 + (25 * noise[s]));
        var output = ChunkRecord.Concat(stream.Run(s => s.NormalizeRunning(60), [50], ChunkRecord.Of)).Values[10000..];
        var mean = output.Average(v => (double)v);
        var sd = Math.Sqrt(output.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(mean, -0.1, 0.1);
        Assert.InRange(sd, 0.95, 1.05);
    }

    [Fact]
    public void Channel_scaling_divides_each_channel_by_its_level_keeps_the_level_and_clips()
    {
        // An envelope-like signal: non-negative, its level differing between channels.
        var stream = new TestStream(2, 100, 300, value: (s, c) => (c + 1) * (100 + (50 * MathF.Sin(s * 0.1f))));
        var input = ChunkRecord.Concat(stream.Run(s => s, [300], ChunkRecord.Of)).Values;
        var whole = ChunkRecord.Concat(stream.Run(s => s.ScaleChannels([50f, 10f], clip: 25f), [300], ChunkRecord.Of)).Values;
        var chunked = ChunkRecord.Concat(stream.Run(s => s.ScaleChannels([50f, 10f], clip: 25f), [7, 64, 1, 228], ChunkRecord.Of)).Values;
        Assert.Equal(whole, chunked);
        for (var i = 0; i < input.Length; i++)
        {
            var level = i % 2 == 0 ? 50.0 : 10.0;
            Assert.Equal(Math.Min(25f, (float)(input[i] / level)), whole[i]);
        }

        Assert.True(whole.Where((_, i) => i % 2 == 0).Average(v => v) > 1.5, "no centring: channel 1 keeps its level (about 2)");
        Assert.Contains(25f, whole); // channel 2 reaches 30 before clipping
        Assert.Throws<ArgumentOutOfRangeException>(() => stream.Run(s => s.ScaleChannels([1f, 0f]), [300], ChunkRecord.Of));
        Assert.Throws<InvalidOperationException>(() => stream.Run(s => s.ScaleChannels([1f, 2f, 3f]), [300], ChunkRecord.Of));
    }

    [Fact]
    public void Window_z_score_gives_each_channel_zero_mean_and_unit_deviation()
    {
        var stream = new TestStream(3, 100, 100, value: (s, c) => (c * 50) + ((c + 1) * MathF.Sin(s)));
        var windows = stream.Run(s => s.SlidingWindows(50, 50).NormalizeWindows(), [13], WindowRecord.Of);
        Assert.Equal(2, windows.Count);
        foreach (var w in windows)
        {
            for (var c = 0; c < 3; c++)
            {
                var row = w.Values.AsSpan(c * 50, 50).ToArray();
                var mean = row.Average(v => (double)v);
                Assert.Equal(0, mean, 5);
                Assert.Equal(1, Math.Sqrt(row.Average(v => (v - mean) * (v - mean))), 4);
            }
        }
    }
}
