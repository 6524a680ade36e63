using BioTrain.Stream.Lsl.Discovery;
using BioTrain.Stream.Lsl.Info;
using BioTrain.Stream.Lsl.Inlet;
using BioTrain.Stream.Lsl.Outlet;

namespace BioTrain.Stream.Lsl.Tests;

/// <summary>
/// What an idle inlet's thread does (counted, not timed): a regular stream's watchdog checks a silent
/// socket every WatchdogCheckInterval (1 s in tests); an irregular stream, which may be silent for hours,
/// has no watchdog and its thread does not wake at all.
/// </summary>
public class InletIdleTests
{
    [Theory]
    [InlineData(0.0, false)]
    [InlineData(100.0, true)]
    public async Task Only_a_regular_stream_wakes_its_idle_inlet_for_the_watchdog(double rate, bool wakes)
    {
        var config = TestLsl.NewConfig() with { WatchdogTimeThreshold = 60 }; // checks, but no reconnect within the test
        var name = wakes ? "IdleRegular" : "IdleMarkers";
        using var outlet = new StreamOutlet(new StreamInfo(name, "Markers", 1, rate, ChannelFormat.Int32, name), config: config);
        var found = await StreamResolver.ResolveByPropertyAsync("name", name, 1, TestLsl.Patience, config, TestLsl.Timeout());
        await using var inlet = new StreamInlet(Assert.Single(found), config: config);
        await inlet.OpenStreamAsync(TestLsl.Patience, TestLsl.Timeout());
        outlet.PushSample<int>([1]);
        Assert.NotEqual(0.0, inlet.PullSample<int>(new int[1], TestLsl.Patience));

        await Task.Delay(TimeSpan.FromSeconds(2.5));

        Assert.Equal(wakes, inlet.ReceiveTimeouts > 0);
        Assert.True(inlet.IsConnected);
    }
}
