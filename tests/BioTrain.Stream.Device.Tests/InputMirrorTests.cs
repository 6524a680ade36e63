using BioTrain.Stream.Device.Scheduling;

namespace BioTrain.Stream.Device.Tests;

/// <summary>The host's copy of the ring: a prediction sends what the device lacks, no more, no less.</summary>
public class InputMirrorTests
{
    /// <summary>Samples of 2 rows whose values are their index (row 0) and minus it (row 1).</summary>
    private static float[] Samples(int first, int count) =>
        [.. Enumerable.Range(first, count).SelectMany(k => new[] { (float)k, -(float)k })];

    [Fact]
    public void The_first_prediction_sends_a_whole_window_then_only_what_came_since()
    {
        var mirror = new InputMirror(2, 4);
        var buffer = new float[8];
        mirror.Append(Samples(0, 3));
        Assert.Equal(-1, mirror.TakeUnsent(3, buffer)); // not a whole window yet
        mirror.Append(Samples(3, 3));
        Assert.Equal(8, mirror.TakeUnsent(6, buffer));
        Assert.Equal(Samples(2, 4), buffer); // the window [2, 6)
        mirror.Append(Samples(6, 2));
        Assert.Equal(4, mirror.TakeUnsent(8, buffer));
        Assert.Equal(Samples(6, 2), buffer[..4]);
        Assert.Equal(0, mirror.TakeUnsent(8, buffer)); // the same window again: nothing new
    }

    [Fact]
    public void Requests_from_one_chunk_each_send_their_part_while_their_samples_are_held()
    {
        var mirror = new InputMirror(2, 4); // holds 8 samples
        var buffer = new float[8];
        mirror.Append(Samples(0, 10)); // windows end at 4, 6 and 9 within one chunk
        Assert.Equal(-1, mirror.TakeUnsent(4, buffer)); // [0, 4): samples 0 and 1 are gone
        Assert.Equal(8, mirror.TakeUnsent(6, buffer));
        Assert.Equal(Samples(2, 4), buffer);
        Assert.Equal(6, mirror.TakeUnsent(9, buffer));
        Assert.Equal(Samples(6, 3), buffer[..6]);
        Assert.Equal(-1, mirror.TakeUnsent(8, buffer)); // already passed on the device
    }

    [Fact]
    public void A_device_that_fell_a_window_behind_gets_the_latest_window_and_the_rest_is_counted()
    {
        var mirror = new InputMirror(2, 4);
        var buffer = new float[8];
        mirror.Append(Samples(0, 4));
        Assert.Equal(8, mirror.TakeUnsent(4, buffer));
        mirror.Append(Samples(4, 12));
        Assert.Equal(8, mirror.TakeUnsent(16, buffer));
        Assert.Equal(Samples(12, 4), buffer);
        Assert.Equal(8, mirror.Skipped);
    }

    [Fact]
    public void After_the_device_lost_its_ring_the_next_prediction_sends_the_whole_window()
    {
        var mirror = new InputMirror(2, 4);
        var buffer = new float[8];
        mirror.Append(Samples(0, 5));
        Assert.Equal(8, mirror.TakeUnsent(5, buffer));
        mirror.DeviceRingLost();
        mirror.Append(Samples(5, 1));
        Assert.Equal(8, mirror.TakeUnsent(6, buffer));
        Assert.Equal(Samples(2, 4), buffer);
    }

    [Fact]
    public void Bad_input_is_refused()
    {
        var mirror = new InputMirror(2, 4);
        Assert.Throws<ArgumentException>(() => mirror.Append(new float[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new InputMirror(0, 4));
        Assert.Equal(-1, mirror.TakeUnsent(100, new float[8]));
    }
}
