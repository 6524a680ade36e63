using System.Net.Http;
using System.Text.Json;
using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Daemon.Hosting;
using BioTrain.Stream.Daemon.Sessions;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Recording;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace BioTrain.Stream.Daemon.Tests;

/// <summary>
/// The daemon against the virtual GAP9 in QEMU: calibration over a replayed stream, metrics over
/// HTTP, the control API through the CLI, an input stream that restarts, and a daemon restart that
/// restores the subject's weights instead of recalibrating.
/// </summary>
public sealed class DaemonEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private const int PortBlock = 38000;
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("bt-daemon-e2e-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string LslFile() => DaemonTestKit.WriteLslConfig(_dir.FullName, PortBlock);

    private DaemonOptions Options(string lslFile) => new()
    {
        StateDirectory = Path.Combine(_dir.FullName, "state"),
        MetricsListen = "127.0.0.1:0",
        ControlListen = $"unix:{Path.Combine(_dir.FullName, "control.sock")}",
        LslConfigFile = lslFile,
        Sessions =
        [
            new SessionOptions
            {
                Name = "qemu-s03",
                Subject = "S03",
                Input = new InputOptions { Query = "name='SynthEEG-MI'" },
                Markers = new MarkerOptions { Query = "name='SynthEEG-MI-Markers'", Classes = ["left_hand", "right_hand", "feet", "rest"] },
                Pipeline = new PipelineOptions { BandPassHz = [4, 40], WindowSeconds = 1.0, StrideSeconds = 0.5, EpochOffsetsSeconds = [0.5, 1.5] },
                Device = "emu:qemu",
                Model = new ModelOptions { Name = "mi-bminet" },
                Calibration = new CalibrationOptions { TrialsPerClass = 1, Epochs = 2, BatchSize = 4, HoldOutFraction = 0 },
                Adaptation = new AdaptationOptions { Enabled = false },
                Output = new OutputOptions { Name = "BioTrain-E2E", SourceId = "biotrain-e2e" },
            },
        ],
    };

    [Fact]
    public async Task Calibrates_on_qemu_survives_input_and_daemon_restarts_and_exposes_metrics()
    {
        var lslFile = LslFile();
        var lsl = LslConfig.LoadFile(lslFile);
        var recording = await RecordingLoader.LoadAsync(Path.Combine(RepoPaths.Root, "replay-data", "eeg-mi", "sub-03.xdf"));
        var options = Options(lslFile);

        // First daemon: calibrates the new subject on the virtual GAP9.
        var app = DaemonHost.Build(options);
        await app.StartAsync();
        var session = (SubjectSession)app.Services.GetRequiredService<SessionManager>().Find("qemu-s03")!;
        var replay = new Replayer(recording, new ReplayOptions { Restamp = true, Loop = true, Config = lsl, WaitForConsumers = TimeSpan.FromSeconds(60) });
        var replaying = replay.RunAsync();
        await DaemonTestKit.Until(() => session.Status.Calibrated && session.Status.State == SessionState.Running, TimeSpan.FromMinutes(3), "calibration on QEMU", () => session.Status);
        await DaemonTestKit.Until(() => session.Status.Predictions >= 5, TimeSpan.FromSeconds(60), "predictions");
        var stats = await session.Device!.RunAsync((d, c) => d.GetStatsAsync(c));
        Assert.True(stats.Instructions > 0, "the virtual GAP9 counts instructions");

        // Metrics over HTTP.
        using (var http = new HttpClient())
        {
            var address = app.Urls.Single(u => u.StartsWith("http://127.0.0.1", StringComparison.Ordinal));
            var metrics = await http.GetStringAsync(new Uri($"{address}/metrics"));
            foreach (var name in new[] { "biotrain_predictions_total", "biotrain_input_samples_total", "biotrain_device_request_seconds_bucket", "biotrain_end_to_end_latency_seconds_bucket", "biotrain_device_energy_joules_total{session=\"qemu-s03\",source=\"estimated\",model=\"E1\"}", "biotrain_session_state" })
            {
                Assert.Contains(name, metrics, StringComparison.Ordinal);
            }
        }

        // The control API, through the CLI as a user runs it.
        var (exit, stdout, stderr) = await CliProcess.RunAsync("status", "--control", options.ControlListen, "--json");
        Assert.True(exit == 0, stderr);
        using (var status = JsonDocument.Parse(stdout))
        {
            Assert.Equal("running", status.RootElement.GetProperty("sessions")[0].GetProperty("state").GetString());
        }

        var (_, words, _) = await CliProcess.RunAsync("status", "--control", options.ControlListen);
        Assert.Contains("qemu-s03 (subject ", words, StringComparison.Ordinal);
        Assert.Contains("): running, device ", words, StringComparison.Ordinal);
        Assert.DoesNotContain("False", words, StringComparison.Ordinal); // words, not C# booleans (issue 16)
        Assert.DoesNotContain("True", words, StringComparison.Ordinal);

        // The input stream restarts (same source_id): predictions resume.
        await replay.DisposeAsync();
        await replaying.ContinueWith(_ => { });
        var before = session.Status.Predictions;
        replay = new Replayer(recording, new ReplayOptions { Restamp = true, Loop = true, Config = lsl });
        replaying = replay.RunAsync();
        await DaemonTestKit.Until(() => session.Status.Predictions > before + 3, TimeSpan.FromSeconds(60), "predictions after the input restart");

        // The daemon restarts: the subject's weights are restored, no recalibration.
        await app.StopAsync();
        await app.DisposeAsync();
        app = DaemonHost.Build(options);
        await app.StartAsync();
        session = (SubjectSession)app.Services.GetRequiredService<SessionManager>().Find("qemu-s03")!;
        await DaemonTestKit.Until(() => session.Status.Predictions >= 3, TimeSpan.FromSeconds(90), "predictions after the daemon restart");
        Assert.True(session.Status.RestoredWeights);
        Assert.True(session.Status.Calibrated);
        Assert.Equal(SessionState.Running, session.Status.State);
        output.WriteLine($"predictions {session.Status.Predictions}; pipeline {session.Status.Pipeline}");

        // Reset the subject through the control API: its weights are forgotten and it calibrates again.
        var (resetExit, _, resetError) = await CliProcess.RunAsync("calibrate", "qemu-s03", "reset", "--control", options.ControlListen);
        Assert.True(resetExit == 0, resetError);
        Assert.False(Directory.Exists(Path.Combine(options.StateDirectory, "subjects", "S03")));
        Assert.False(session.Status.Calibrated);
        var (unknownExit, unknown, _) = await CliProcess.RunAsync("calibrate", "no-such-session", "start", "--control", options.ControlListen);
        Assert.Equal(1, unknownExit);
        Assert.Contains("no session named", unknown, StringComparison.Ordinal);

        await app.StopAsync();
        await app.DisposeAsync();
        await replay.DisposeAsync();
        await replaying.ContinueWith(_ => { });
    }
}
