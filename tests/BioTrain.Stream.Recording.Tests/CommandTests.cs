using System.Diagnostics;
using System.Text.Json;
using BioTrain.Stream.Formats.Tests.Support;
using BioTrain.Stream.Formats.Xdf;
using static BioTrain.Stream.Recording.Tests.TestFiles;

namespace BioTrain.Stream.Recording.Tests;

/// <summary>
/// <c>biotrain record</c> and <c>biotrain replay</c> as real processes: a recording stopped by a real
/// SIGINT or SIGTERM is a complete file (footers, clock offsets) that our reader and libxdf load.
/// </summary>
public sealed class CommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("biotrain-record-cli-").FullName;

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task Record_command_stopped_by_a_signal_leaves_a_complete_file(string signal)
    {
        var ct = TestLsl.ProcessTimeout();
        var config = TestLsl.NewConfig();
        var path = Path.Combine(_directory, $"sig{signal}.xdf");
        await using var eeg = new RampSource(config, "RecCliEeg", "EEG", 100);
        await using var markers = new RampSource(config, "RecCliMarkers", "Markers", 0);
        using var process = StartCli(config, "record", "--out", path, "--query", "starts-with(name,'RecCli')");
        using var guard = new KillOnDispose(process);
        var stdout = new List<string>();
        var reading = ReadLinesAsync(process, stdout);
        var stderr = process.StandardError.ReadToEndAsync(ct);

        while (Lines(stdout).Count(l => l.StartsWith("stream ", StringComparison.Ordinal)) < 2)
        {
            if (process.HasExited)
            {
                Assert.Fail($"record ended early ({process.ExitCode}): {string.Join('\n', Lines(stdout))} {await stderr}");
            }
            await Task.Delay(50, ct);
        }
        await Task.Delay(700, ct); // some samples and markers
        using (var kill = Process.Start("kill", ["-s", signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(ct);
        }
        await process.WaitForExitAsync(ct);
        await reading;

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await stderr}");
        Assert.Contains(Lines(stdout), l => l.StartsWith("complete:", StringComparison.Ordinal));
        var file = XdfReader.Read(path);
        Assert.Empty(file.Problems);
        Assert.Equal(2, file.Streams.Count);
        foreach (var stream in file.Streams)
        {
            Assert.True(stream.SampleCount > 0, $"{stream.Info.Name} has samples");
            RampSource.AssertRamp(stream);
            RecorderTests.AssertFooterAndOffsets(stream);
        }
        var libxdf = LibXdfCheck.Load(path);
        Assert.Equal(0, libxdf.LoadResult);
        var numeric = file.Streams.Single(s => s.Info.Name == "RecCliEeg");
        Assert.Contains(libxdf.Streams, s => s.Name == "RecCliEeg" && s.Samples == numeric.SampleCount);
    }

    [Fact]
    public async Task Replay_command_at_max_speed_prints_a_complete_json_report()
    {
        var ct = TestLsl.ProcessTimeout();
        var recording = await RecordingLoader.LoadAsync(Shipped("eeg-mi/sub-01.xdf"), cancellationToken: ct);
        using var process = StartCli(TestLsl.NewConfig(), "replay", recording.Source, "--max-speed", "--json");
        using var guard = new KillOnDispose(process);
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);

        Assert.True(process.ExitCode == 0, await stderr);
        using var report = JsonDocument.Parse(await stdout);
        var root = report.RootElement;
        Assert.True(root.GetProperty("completed").GetBoolean());
        Assert.Equal(recording.Streams.Sum(s => s.SampleCount), root.GetProperty("samples_pushed").GetInt64());
        Assert.Equal(recording.Streams.Count, root.GetProperty("streams").GetArrayLength());
    }

    [Fact]
    public async Task Replay_command_refuses_speed_together_with_max_speed()
    {
        var ct = TestLsl.ProcessTimeout();
        using var process = StartCli(TestLsl.NewConfig(), "replay", Shipped("eeg-mi/sub-01.xdf"), "--max-speed", "--speed", "2");
        using var guard = new KillOnDispose(process);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);

        Assert.Equal(1, process.ExitCode);
        Assert.Contains("exclude each other", await stderr, StringComparison.Ordinal);
    }

    /// <summary>Starts the built CLI with an lsl_api.cfg holding the test's machine-only settings.</summary>
    private Process StartCli(Lsl.Config.LslConfig config, params string[] args)
    {
        var cfg = Path.Combine(_directory, $"lsl_api_{config.MulticastPort}.cfg");
        File.WriteAllText(cfg, TestLsl.ToConfigFile(config));
        // Through env(1), which execs in place (same pid): a test run started as a background job inherits
        // SIGINT ignored, and .NET then leaves it ignored, so the CLI would never see the test's kill -INT.
        var start = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["LSLAPICFG"] = cfg;
        start.ArgumentList.Add("--default-signal=INT,TERM");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "biotrain.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        return Process.Start(start)!;
    }

    private static async Task ReadLinesAsync(Process process, List<string> lines)
    {
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            lock (lines)
            {
                lines.Add(line);
            }
        }
    }

    private static List<string> Lines(List<string> lines)
    {
        lock (lines)
        {
            return [.. lines];
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>A failed test must not leave its child running (a recorder would run forever).</summary>
    private sealed class KillOnDispose(Process process) : IDisposable
    {
        public void Dispose()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
    }
}
