using BioTrain.Stream.Pipeline.Diagnostics;

namespace BioTrain.Stream.Pipeline.Tests.Diagnostics;

/// <summary>The short form of <c>biotrain bench pipeline</c>: it runs and every figure is there (no timing asserted).</summary>
public class PipelineBenchmarkTests
{
    [Fact]
    public void Quick_benchmark_reports_every_chain_with_throughput_allocations_and_outputs()
    {
        var progress = new List<string>();
        var report = PipelineBenchmark.Run(quick: true, progress.Add);
        Assert.Equal((64, 1000.0, 32), (report.Channels, report.Rate, report.ChunkSamples));
        Assert.Equal(5, report.Cases.Count);
        Assert.Equal(report.Cases.Select(c => c.Name), progress);
        Assert.All(report.Cases, c =>
        {
            Assert.True(c.ChannelSamplesPerSecond > 0 && double.IsFinite(c.ChannelSamplesPerSecond), c.Name);
            Assert.True(c.WallChannelSamplesPerSecond > 0 && double.IsFinite(c.WallChannelSamplesPerSecond), c.Name);
            Assert.Equal(c.ChannelSamplesPerSecond / 64000, c.RealTimeFactor, 6);
            Assert.True(c.BytesPerChunk >= 0, c.Name);
            Assert.True(c.Outputs > 0, c.Name);
        });
    }
}
