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
    public void Requests_in_order_from_one_chunk_each_send_their_part()
    {
        var mirror = new InputMirror(2, 4);
        var buffer = new float[8];
        mirror.Append(Samples(0, 7)); // windows end at 4, 5 (stride 1) within one chunk
        Assert.Equal(-1, mirror.TakeUnsent(4, buffer)); // [0, 4): sample 0..2 are gone (7 - 4 = 3 kept before)
        Assert.Equal(8, mirror.TakeUnsent(7, buffer));
        Assert.Equal(Samples(3, 4), buffer);
        Assert.Equal(-1, mirror.TakeUnsent(6, buffer)); // already passed on the device
    }

    [Fact]
    public void A_device_that_fell_a_window_behind_gets_the_latest_window_and_the_rest_is_counted()
    {
        var mirror = new InputMirror(2, 4);
        var buffer = new float[8];
        mirror.Append(Samples(0, 4));
        Assert.Equal(8, mirror.TakeUnsent(4, buffer));
        mirror.Append(Samples(4, 10));
        Assert.Equal(8, mirror.TakeUnsent(14, buffer));
        Assert.Equal(Samples(10, 4), buffer);
        Assert.Equal(6, mirror.Skipped);
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
