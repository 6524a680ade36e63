using BioTrain.Stream.Formats.Tests.Support;
using BioTrain.Stream.Formats.Xdf;

namespace BioTrain.Stream.Formats.Tests.Xdf;

public class XdfClockOffsetTests
{
    [Fact]
    public void Timestamps_stay_raw_unless_offsets_are_applied()
    {
        var bytes = XdfFixtures.Recording();
        var raw = XdfReader.Parse(bytes).FindStream("TestEEG")!;
        var synced = XdfReader.Parse(bytes, new XdfReadOptions { ApplyClockOffsets = true }).FindStream("TestEEG")!;
        Assert.Equal(100, raw.Timestamps[0]);
        Assert.True(synced.TimestampsAreClockCorrected);
        // Offsets were 0.25 + 0.001·(t − 100): the fitted line reproduces them exactly.
        for (var i = 0; i < synced.SampleCount; i += 50)
        {
            var t = raw.Timestamps[i];
            Assert.Equal(t + 0.25 + (0.001 * (t - 100)), synced.Timestamps[i], 9);
        }
        // Streams without offsets are left alone.
        Assert.False(XdfReader.Parse(bytes, new XdfReadOptions { ApplyClockOffsets = true }).FindStream("Counter")!.TimestampsAreClockCorrected);
    }

    [Fact]
    public void A_clock_reset_starts_a_new_segment()
    {
        XdfClockOffset[] offsets = [new(1000, -900), new(1005, -900.001), new(1010, -900.002), new(3, 100), new(8, 100.001)];
        var segments = XdfClockSynchronizer.FitSegments(offsets, 1.0);
        Assert.Equal(2, segments.Count);
        double[] timestamps = [1001, 1009, 1011, 2, 5, 9];
        var synced = XdfClockSynchronizer.Apply(timestamps, offsets, 1.0);
        Assert.Equal(101.0, synced[0], 2);
        Assert.Equal(109.0, synced[1], 2);
        Assert.Equal(102.0, synced[3], 2);
        Assert.Equal(109.0, synced[5], 2);
    }
}
