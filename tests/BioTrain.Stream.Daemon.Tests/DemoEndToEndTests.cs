using BioTrain.Stream.Scenarios.Demo;
using Xunit.Abstractions;

namespace BioTrain.Stream.Daemon.Tests;

/// <summary>The main job end to end: replayed recording, daemon, native virtual device, predictions over LSL.</summary>
public class DemoEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Demo_calibrates_a_new_subject_better_than_the_unadapted_model()
    {
        var report = await DemoRunner.RunAsync(
            new DemoOptions { ReplayData = Path.Combine(RepoPaths.Root, "replay-data"), Progress = new Progress<string>(output.WriteLine) },
            CancellationToken.None);
        output.WriteLine($"unadapted {report.AccuracyBefore:P0} -> calibrated {report.AccuracyAfter:P0}; live {report.OnlineAccuracy:P0} of {report.OnlinePredictions}");

        Assert.True(report.Predictions > 100, $"only {report.Predictions} predictions arrived");
        Assert.True(report.OnlinePredictions > 0, "no live prediction fell in a test trial");
        Assert.True(report.AccuracyAfter > report.Chance + 0.15, $"calibrated {report.AccuracyAfter:P0} is not well above chance");
        Assert.True(report.AccuracyAfter > report.AccuracyBefore, $"calibration did not beat the unadapted model: {report.AccuracyBefore:P0} -> {report.AccuracyAfter:P0}");
        Assert.True(report.DevicePeakBytes > 0 && report.LatencyMedianMs > 0);
        // Live predictions are the offline ones, window for window: the ring, the pipeline over LSL
        // and the scheduler add nothing and lose nothing.
        Assert.True(report.LiveComparedWindows > 20, $"only {report.LiveComparedWindows} live windows to compare");
        Assert.Equal(1.0, report.LiveOfflineAgreement);
    }
}
