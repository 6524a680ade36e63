using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace BioTrain.Stream.Recording.Tests;

/// <summary>
/// The short form of <c>biotrain bench lsl</c> as a real process: it runs, and every figure is there
/// (throughput, in-process latency, both separate-process cases with CPU and latency). No figure is
/// judged: timing belongs to the benchmark, not to tests.
/// </summary>
public sealed partial class LslBenchCommandTests
{
    // 47 ports from here (see bench lsl --help): above the LSL tests' 20000-32000, below the ephemeral range.
    private const string Port = "32100";

    [Fact]
    public async Task Quick_benchmark_reports_every_figure()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "biotrain.dll"), "bench", "lsl", "--quick", "--port", Port })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var stdout = process.StandardOutput.ReadToEndAsync(guard.Token);
        var stderr = process.StandardError.ReadToEndAsync(guard.Token);
        await process.WaitForExitAsync(guard.Token);
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await stderr}");
        var lines = (await stdout).Split('\n');

        foreach (var channels in new[] { 8, 64 })
        {
            foreach (var chunk in new[] { 1, 32, 512 })
            {
                Assert.True(Figures(lines, $"{channels} ch, chunk {chunk}")[0] > 0, $"no throughput for {channels} ch, chunk {chunk}");
            }

            Assert.True(Figures(lines, $"{channels} ch float32")[1] > 0, $"no latency for {channels} ch");
        }

        // Outlet and inlet CPU-s/s (idle ones may print as 0.0000), samples, min/median/p99/max latency.
        foreach (var label in new[] { "8 ch float32 @ 1 kHz", "8 ch float32 @ 1 Hz (idle)" })
        {
            var figures = Figures(lines, label);
            Assert.Equal(7, figures.Length);
            Assert.True(figures[2] > 0 && figures[4] > 0, $"no samples or latency for {label}");
        }
    }

    /// <summary>The numbers on the line that starts with <paramref name="label"/> (and more spaces).</summary>
    private static double[] Figures(string[] lines, string label)
    {
        var line = lines.SingleOrDefault(l => l.StartsWith(label + "  ", StringComparison.Ordinal));
        Assert.True(line is not null, $"no line for '{label}'");
        return [.. Number().Matches(line[label.Length..]).Select(m => double.Parse(m.Value, CultureInfo.InvariantCulture))];
    }

    [GeneratedRegex(@"-?\d+(\.\d+)?")]
    private static partial Regex Number();
}
