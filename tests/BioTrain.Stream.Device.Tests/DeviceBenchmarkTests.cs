using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Device.Diagnostics;

namespace BioTrain.Stream.Device.Tests;

/// <summary>The short form of <c>biotrain bench device</c>: it runs and every figure is there (no timing asserted).</summary>
public class DeviceBenchmarkTests
{
    [Fact]
    public async Task Quick_benchmark_on_the_native_device_reports_every_figure()
    {
        var report = await DeviceBenchmark.RunAsync(DeviceAddress.EmulatorNative, quick: true, null, CancellationToken.None);
        Assert.Equal("host", report.Port);
        Assert.True(report.Upload.Frames > 0 && report.Upload.MegabytesPerSecond > 0);
        Assert.Equal(["mi-bminet", "epidenet"], report.TrainSteps.Select(s => s.Model));
        Assert.All(report.TrainSteps, s =>
        {
            Assert.True(s.MedianStepMs > 0);
            Assert.True(s.MacsPerStep > 0);
            Assert.Equal(s.MacsPerStep * 5, s.EstimatedGap9Cycles); // estimate model E1
            Assert.Equal(0ul, s.InstructionsPerStep); // the native device has no counters
        });
        Assert.True(report.RecoveryMs > 0);
    }
}
