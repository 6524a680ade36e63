using System.Text.Json;
using Xunit.Abstractions;

namespace BioTrain.Stream.Daemon.Tests;

/// <summary>The short form of <c>biotrain bench realtime</c>: it runs, keeps its JSON keys, and the ring saves link bytes. Timing is the benchmark's, not asserted here.</summary>
public class RealtimeBenchTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Quick_realtime_bench_reports_idle_and_adapting_periods_in_its_json()
    {
        var (exit, stdout, stderr) = await CliProcess.RunAsync("bench", "realtime", "--quick", "--json");
        output.WriteLine(stderr);
        output.WriteLine(stdout);
        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(stdout);
        var r = doc.RootElement;
        Assert.Equal(250, r.GetProperty("stride_ms").GetDouble());
        foreach (var key in new[] { "p50", "p99" })
        {
            r.GetProperty("idle").GetProperty("host_latency_ms").GetProperty(key).GetDouble();
            r.GetProperty("idle").GetProperty("e2e_latency_ms").GetProperty(key).GetDouble();
        }

        var adapting = r.GetProperty("adapting");
        foreach (var key in new[] { "p50", "p99", "max" })
        {
            adapting.GetProperty("e2e_latency_ms").GetProperty(key);
        }

        adapting.GetProperty("max_prediction_gap_ms");
        adapting.GetProperty("training_samples_per_s");
        Assert.True(r.GetProperty("idle").GetProperty("predictions").GetInt32() > 50);
        Assert.True(r.GetProperty("adaptation_rounds").GetInt32() >= 1, "no adaptation round ran");
        // New samples only: a 250 ms stride of a 1.5 s window is a sixth of it, plus frame overhead.
        var perPrediction = r.GetProperty("link_bytes_per_prediction").GetDouble();
        Assert.InRange(perPrediction, 1, r.GetProperty("window_bytes").GetDouble() / 4);
    }
}
