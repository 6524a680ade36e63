using System.Text.Json;
using BioTrain.Stream.Scenarios.Soak;
using Xunit.Abstractions;

namespace BioTrain.Stream.Daemon.Tests;

/// <summary>
/// The short form of <c>biotrain bench soak</c>: 30 s, a sample every 5 s, against a daemon in a
/// process of its own. It checks the report and that gaps are measured; the verdict may go either way
/// in so short and so early a run (the heap is still growing), so only its agreement with the exit
/// code is checked. Timing is the benchmark's, not asserted here.
/// </summary>
public class SoakBenchTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Short_soak_samples_a_separate_daemon_and_measures_prediction_gaps()
    {
        var (exit, stdout, stderr) = await CliProcess.RunAsync("bench", "soak", "--minutes", "0.5", "--interval", "5", "--warmup", "10", "--min-samples", "3", "--json");
        output.WriteLine(stderr);
        output.WriteLine(stdout);
        Assert.True(exit is 0 or 3, $"exit code {exit}");
        using var doc = JsonDocument.Parse(stdout);
        var r = doc.RootElement;
        Assert.Equal(exit == 3, r.GetProperty("failed").GetBoolean());
        Assert.Equal(exit == 3, r.GetProperty("findings").GetArrayLength() > 0);
        Assert.Equal(exit == 3 ? "fail" : "pass", r.GetProperty("verdict").GetString());

        // Another process than the CLI's: /proc of the daemon, not of the soak.
        var pid = r.GetProperty("daemon_pid").GetInt32();
        Assert.NotEqual(Environment.ProcessId, pid);
        Assert.StartsWith("separate process", r.GetProperty("daemon").GetString(), StringComparison.Ordinal);

        var samples = r.GetProperty("samples").EnumerateArray().ToList();
        Assert.InRange(samples.Count, 3, 7); // 0, 5, ... 30 s, less what a loaded machine makes the timer skip
        var allocated = 0.0;
        var rounds = 0;
        foreach (var s in samples)
        {
            Assert.InRange(s.GetProperty("rss_mb").GetDouble(), 10, 4096);
            Assert.InRange(s.GetProperty("threads").GetInt32(), 4, 1000);
            Assert.InRange(s.GetProperty("open_fds").GetInt32(), 3, 10_000);
            Assert.InRange(s.GetProperty("gc_heap_mb").GetDouble(), 0, 4096); // 0 until the first collection
            Assert.True(s.GetProperty("allocated_mb").GetDouble() >= allocated, "bytes allocated went down");
            allocated = s.GetProperty("allocated_mb").GetDouble();
            Assert.True(s.GetProperty("adaptation_rounds").GetInt32() >= rounds, "adaptation rounds went down");
            rounds = s.GetProperty("adaptation_rounds").GetInt32();
        }

        Assert.True(allocated > 0);
        Assert.True(r.GetProperty("predictions_received").GetInt64() > 10, "hardly any prediction received");

        // Gaps: measured from the first prediction on, positive and no longer than the run.
        var gaps = samples.Where(s => s.GetProperty("longest_gap_ms").ValueKind == JsonValueKind.Number)
            .Select(s => s.GetProperty("longest_gap_ms").GetDouble()).ToList();
        Assert.NotEmpty(gaps);
        Assert.All(gaps, g => Assert.InRange(g, 1, 60_000));
        Assert.InRange(r.GetProperty("longest_gap_ms_overall").GetDouble(), gaps.Max(), gaps.Max());

        // Growth per hour for every figure, over the samples after the warm-up.
        var growth = r.GetProperty("growth").EnumerateArray().ToDictionary(g => g.GetProperty("metric").GetString()!);
        Assert.Equal(["allocated", "gc_heap", "open_fds", "rss", "threads"], growth.Keys.Order());
        Assert.True(r.GetProperty("samples_after_warm_up").GetInt32() >= 3);
        foreach (var g in growth.Values)
        {
            Assert.True(double.IsFinite(g.GetProperty("per_hour").GetDouble()), g.ToString());
        }

        Assert.True(growth["allocated"].GetProperty("per_hour").GetDouble() > 0, "no allocation rate");
    }

    private static readonly SoakOptions Thirty = new() { ReplayData = ".", DaemonCommand = ["biotrain"], Duration = TimeSpan.FromMinutes(30) };

    /// <summary>30 min every 30 s; RSS from <paramref name="rss"/>, the rest flat, 120 predictions per interval.</summary>
    private static List<SoakSample> Samples(Func<double, double> rss, Func<double, int>? predictions = null) =>
        [.. Enumerable.Range(0, 61).Select(i => i * 30.0).Select(t => new SoakSample(t, rss(t), 30, 200, 20, t, predictions?.Invoke(t) ?? 120, 260, 0, 0, 0, "running"))];

    [Fact]
    public void The_verdict_calls_a_steady_rise_a_leak_and_not_noise_nor_a_rise_that_levels_off()
    {
        // Noise of +-4 MB around 120 MB (a deterministic zig-zag): no leak.
        var noise = SoakBenchmark.Report(Thirty, 1, 250, Samples(t => 120 + (4 * Math.Sin(t * 0.37))), 1800);
        Assert.Equal("pass", noise.Verdict);
        Assert.Empty(noise.Findings);

        // 40 MB/h, steadily: a leak.
        var leak = SoakBenchmark.Report(Thirty, 1, 250, Samples(t => 120 + (t / 3600 * 40)), 1800);
        Assert.Equal("fail", leak.Verdict);
        Assert.Equal(40, leak.Growth.Single(g => g.Metric == "rss").PerHour, 6);
        Assert.Equal(0, leak.Growth.Single(g => g.Metric == "rss").Scatter, 6);
        Assert.InRange(noise.Growth.Single(g => g.Metric == "rss").Scatter, 2, 4);
        Assert.Contains(leak.Findings, f => f.StartsWith("leak: rss", StringComparison.Ordinal));

        // 30 MB in the first ten minutes, then flat (the heap and pools settling): not a leak.
        var settling = SoakBenchmark.Report(Thirty, 1, 250, Samples(t => 120 + (30 * Math.Min(t, 600) / 600)), 1800);
        Assert.True(settling.Growth.Single(g => g.Metric == "rss").PerHour > 20, "the whole span rises");
        Assert.Equal("pass", settling.Verdict);

        // An interval after the warm-up with no prediction: a stall.
        var stall = SoakBenchmark.Report(Thirty, 1, 250, Samples(_ => 120, t => t is > 900 and < 960 ? 0 : 120), 1800);
        Assert.Equal("fail", stall.Verdict);
        Assert.Single(stall.Findings, f => f.StartsWith("stall", StringComparison.Ordinal));

        // Too few samples after the warm-up: not judged, whatever the slope.
        var shortRun = SoakBenchmark.Report(Thirty, 1, 250, Samples(t => 120 + t).Take(5).ToList(), 120);
        Assert.StartsWith("not judged", shortRun.Verdict, StringComparison.Ordinal);
        Assert.False(shortRun.Failed);
    }
}
