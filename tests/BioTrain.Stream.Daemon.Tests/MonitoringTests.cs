using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Daemon.Hosting;
using BioTrain.Stream.Scenarios;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace BioTrain.Stream.Daemon.Tests;

/// <summary>
/// monitoring/: the alert rules pass promtool, the dashboard shows every documented metric, and a
/// real Prometheus scrapes a running daemon on loopback.
/// </summary>
public sealed partial class MonitoringTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("bt-monitoring-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static string Monitoring => Path.Combine(RepoPaths.Root, "monitoring");

    [GeneratedRegex(@"biotrain_[a-z_]+[a-z]")]
    private static partial Regex MetricName();

    /// <summary>The metric names of docs/daemon.md's metrics table.</summary>
    private static HashSet<string> DocumentedMetrics()
    {
        var doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "daemon.md"));
        var table = doc[doc.IndexOf("## Metrics", StringComparison.Ordinal)..doc.IndexOf("## Control API", StringComparison.Ordinal)];
        return [.. MetricName().Matches(table).Select(m => m.Value)];
    }

    [Fact]
    public async Task The_alert_rules_pass_promtool_and_cover_the_six_conditions()
    {
        var rules = Path.Combine(Monitoring, "biotrain.rules.yml");
        var (exit, text) = await RunAsync("promtool", "check", "rules", rules);
        output.WriteLine(text);
        Assert.Equal(0, exit);
        Assert.Contains("SUCCESS", text, StringComparison.Ordinal);
        var yaml = await File.ReadAllTextAsync(rules);
        foreach (var alert in new[] { "BioTrainStreamDown", "BioTrainDeviceDown", "BioTrainPredictionGap", "BioTrainLatencyP99High", "BioTrainDroppedWindows", "BioTrainAccuracyFellAfterAdaptation" })
        {
            Assert.Contains($"alert: {alert}", yaml, StringComparison.Ordinal);
        }

        var documented = DocumentedMetrics();
        Assert.All(MetricName().Matches(yaml).Select(m => Regex.Replace(m.Value, "_bucket$", string.Empty)), name => Assert.Contains(name, documented));
    }

    [Fact]
    public void The_dashboard_queries_every_documented_metric()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(Monitoring, "grafana", "biotrain-dashboard.json")));
        var queries = string.Join('\n', dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString())));
        var documented = DocumentedMetrics();
        Assert.True(documented.Count >= 25, $"only {documented.Count} metrics read from docs/daemon.md");
        Assert.All(documented, name => Assert.Matches($@"\b{name}(_bucket)?\{{", queries));
    }

    [Fact]
    public async Task A_real_prometheus_scrapes_the_daemon_and_answers_for_its_predictions()
    {
        var metricsPort = FreePort();
        var session = ScenarioSupport.MotorImagerySession("scraped", "emu:native"); // waits for streams that never come: its metrics exist at 0
        var (_, lslFile) = ScenarioSupport.PrivateLslConfig(_dir.FullName);
        var app = DaemonHost.Build(new DaemonOptions
        {
            StateDirectory = Path.Combine(_dir.FullName, "state"),
            MetricsListen = $"127.0.0.1:{metricsPort}",
            ControlListen = $"unix:{Path.Combine(_dir.FullName, "control.sock")}",
            LslConfigFile = lslFile,
            Sessions = [session],
        }, minimumLogLevel: LogLevel.Warning);
        await app.StartAsync();
        Process? prometheus = null;
        try
        {
            // promtool check metrics: the exposition is clean (names, types, help).
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var scrape = await http.GetStringAsync(new Uri($"http://127.0.0.1:{metricsPort}/metrics"));
            var (lintExit, lint) = await RunWithInputAsync("promtool", scrape, "check", "metrics");
            output.WriteLine($"promtool check metrics: exit {lintExit} {lint}");
            Assert.Equal(0, lintExit);
            Assert.Equal(string.Empty, lint.Trim());

            var apiPort = FreePort();
            var config = Path.Combine(_dir.FullName, "prometheus.yml");
            await File.WriteAllTextAsync(config, $$"""
                global: { scrape_interval: 1s, evaluation_interval: 1s }
                rule_files: ["{{Path.Combine(Monitoring, "biotrain.rules.yml")}}"]
                scrape_configs:
                  - job_name: biotrain
                    static_configs: [{ targets: ["127.0.0.1:{{metricsPort}}"] }]
                """);
            var start = new ProcessStartInfo("prometheus") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in new[] { $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(_dir.FullName, "tsdb")}", $"--web.listen-address=127.0.0.1:{apiPort}" })
            {
                start.ArgumentList.Add(a);
            }

            prometheus = ExternalTool.Start(start, "prometheus");
            _ = prometheus.StandardError.ReadToEndAsync();
            _ = prometheus.StandardOutput.ReadToEndAsync();
            var query = new Uri($"http://127.0.0.1:{apiPort}/api/v1/query?query={Uri.EscapeDataString("biotrain_predictions_total{session=\"scraped\"}")}");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (true)
            {
                Assert.True(DateTime.UtcNow < deadline, "Prometheus did not answer for biotrain_predictions_total within 30 s");
                try
                {
                    using var answer = JsonDocument.Parse(await http.GetStringAsync(query));
                    var result = answer.RootElement.GetProperty("data").GetProperty("result");
                    if (result.GetArrayLength() > 0)
                    {
                        output.WriteLine(result.ToString());
                        Assert.Equal("biotrain", result[0].GetProperty("metric").GetProperty("job").GetString());
                        Assert.Equal("0", result[0].GetProperty("value")[1].GetString());
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                    // still starting
                }

                await Task.Delay(250);
            }
        }
        finally
        {
            if (prometheus is not null)
            {
                prometheus.Kill();
                await prometheus.WaitForExitAsync();
                prometheus.Dispose();
            }

            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Task<(int Exit, string Output)> RunAsync(string file, params string[] args) => RunWithInputAsync(file, null, args);

    private static async Task<(int Exit, string Output)> RunWithInputAsync(string file, string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var p = ExternalTool.Start(start, "prometheus");
        if (stdin is not null)
        {
            await p.StandardInput.WriteAsync(stdin);
            p.StandardInput.Close();
        }

        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout + await stderr);
    }
}
