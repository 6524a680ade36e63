using System.Diagnostics;
using System.Runtime.InteropServices;
using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Daemon.Hosting;
using BioTrain.Stream.Daemon.Persistence;
using BioTrain.Stream.Daemon.Sessions;
using BioTrain.Stream.Device.Emulation;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Recording;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace BioTrain.Stream.Daemon.Tests;

/// <summary>
/// What the attack run broke, on the native virtual device with a replayed recording: NaN, infinite and
/// absurd input during adaptation; the device process killed; a device that is not there at start.
/// </summary>
public sealed class ReliabilityEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private const int PortBlock = 38300;
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("bt-reliability-");

    public void Dispose() => _dir.Delete(recursive: true);

    private (string File, LslConfig Config) Lsl()
    {
        var file = DaemonTestKit.WriteLslConfig(_dir.FullName, PortBlock);
        return (file, LslConfig.LoadFile(file));
    }

    private DaemonOptions Options(string lslFile, string device) => new()
    {
        StateDirectory = Path.Combine(_dir.FullName, "state"),
        MetricsListen = "127.0.0.1:0",
        ControlListen = $"unix:{Path.Combine(_dir.FullName, "control.sock")}",
        LslConfigFile = lslFile,
        Sessions =
        [
            new SessionOptions
            {
                Name = "s03",
                Subject = "S03",
                Input = new InputOptions { Query = "name='SynthEEG-MI'" },
                Markers = new MarkerOptions { Query = "name='SynthEEG-MI-Markers'", Classes = ["left_hand", "right_hand", "feet", "rest"] },
                Pipeline = new PipelineOptions { BandPassHz = [4, 40], WindowSeconds = 1.0, StrideSeconds = 0.5, EpochOffsetsSeconds = [0.5, 1.5] },
                Device = device,
                Model = new ModelOptions { Name = "mi-bminet" },
                Calibration = new CalibrationOptions { TrialsPerClass = 1, Epochs = 2, BatchSize = 4, HoldOutFraction = 0 },
                Adaptation = new AdaptationOptions { Enabled = true, Every = 4, Rehearsal = 4, Epochs = 1 },
                Output = new OutputOptions { Name = "BioTrain-Reliability", SourceId = "biotrain-reliability" },
            },
        ],
    };

    /// <summary>sub-03 with NaN, +Inf and 1e30 written into stretches of its EEG after the calibration trials.</summary>
    private static async Task<ReplayRecording> PoisonedRecordingAsync()
    {
        var recording = await RecordingLoader.LoadAsync(Path.Combine(RepoPaths.Root, "replay-data", "eeg-mi", "sub-03.xdf"));
        var eeg = recording.Streams.First(s => s.Info.Name == "SynthEEG-MI");
        var read = eeg.GetValues<float>();
        var values = MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(read), read.Length); // the loaded copy, not the file
        var channels = eeg.Info.ChannelCount;
        var samples = read.Length / channels;
        foreach (var (at, channel, value) in new[] { (0.40, 0, float.NaN), (0.55, 2, float.PositiveInfinity), (0.70, 5, 1e30f), (0.85, 1, float.NegativeInfinity) })
        {
            var start = (int)(at * samples);
            for (var s = start; s < start + 250; s++)
            {
                values[(s * channels) + channel] = value;
            }
        }

        return recording;
    }

    [Fact]
    public async Task Poisoned_input_and_a_killed_device_leave_finite_weights_and_a_session_that_goes_on()
    {
        var (lslFile, lsl) = Lsl();
        var options = Options(lslFile, "emu:native");
        var recording = await PoisonedRecordingAsync();
        var app = DaemonHost.Build(options);
        await app.StartAsync();
        var session = (SubjectSession)app.Services.GetRequiredService<SessionManager>().Find("s03")!;
        await using var replay = new Replayer(recording, new ReplayOptions { Restamp = true, Loop = true, Config = lsl, WaitForConsumers = TimeSpan.FromSeconds(60) });
        var replaying = replay.RunAsync();

        // Through the poisoned stretches, adaptation rounds run and nothing non-finite reaches the model.
        await DaemonTestKit.Until(() => session.Status.Calibrated && session.Status.AdaptationRounds >= 3 && session.Counters.WindowsDroppedForBadInput > 0, TimeSpan.FromMinutes(4), "adaptation through bad input", () => session.Status);
        var weights = await session.Device!.RunAsync((d, c) => d.ReadWeightsAsync(c));
        Assert.Equal(-1, SubjectStore.FirstNonFinite(MemoryMarshal.Cast<byte, float>(weights.Bytes.Span)));
        Assert.True(session.Counters.EpochsDroppedForBadInput + session.Counters.WindowsDroppedForBadInput > 0);
        var classes = session.RecentPredictions.TakeLast(40).Select(p => p.Predicted).Distinct().Count();
        Assert.True(classes > 1, "predictions are not stuck on one class");

        // kill -9 of the device process: a new one is started, the model and weights restored, predictions go on.
        var device = session.Device.Device.Connection!.VirtualDevice!;
        var before = session.Status.Predictions;
        Process.GetProcessById(device.ProcessId).Kill();
        await DaemonTestKit.Until(() => session.Device?.Device.Restores >= 1 && session.Status.Predictions > before + 10, TimeSpan.FromSeconds(60), "predictions after the device was killed", () => session.Status);
        Assert.NotEqual(SessionState.Failed, session.Status.State);
        Assert.True(session.Status.DeviceUp);

        // What is saved is finite, and a restart restores it.
        await DaemonTestKit.Until(() => File.Exists(Path.Combine(options.StateDirectory, "subjects", "S03", "weights.btw")), TimeSpan.FromSeconds(30), "saved weights");
        Assert.True(WeightsFile.TryDecode(await File.ReadAllBytesAsync(Path.Combine(options.StateDirectory, "subjects", "S03", "weights.btw")), out var saved, out var why), why);
        Assert.Equal(-1, SubjectStore.FirstNonFinite(MemoryMarshal.Cast<byte, float>(saved.Weights.Span)));
        output.WriteLine($"status {session.Status}; bad samples {session.Counters.WindowsDroppedForBadInput} windows, {session.Counters.EpochsDroppedForBadInput} epochs dropped");
        await app.StopAsync();
        await app.DisposeAsync();
        await replay.DisposeAsync();
        await replaying.ContinueWith(_ => { });
    }

    [Fact]
    public async Task A_device_that_is_not_there_at_start_is_retried_until_it_comes()
    {
        var (lslFile, lsl) = Lsl();
        var socket = Path.Combine(_dir.FullName, "board.sock");
        var options = Options(lslFile, $"unix:{socket}");
        var recording = await RecordingLoader.LoadAsync(Path.Combine(RepoPaths.Root, "replay-data", "eeg-mi", "sub-03.xdf"));
        var app = DaemonHost.Build(options);
        await app.StartAsync();
        var session = (SubjectSession)app.Services.GetRequiredService<SessionManager>().Find("s03")!;
        await using var replay = new Replayer(recording, new ReplayOptions { Restamp = true, Loop = true, Config = lsl, WaitForConsumers = TimeSpan.FromSeconds(60) });
        var replaying = replay.RunAsync();

        await DaemonTestKit.Until(() => session.Status.DeviceProblem?.Contains("cannot connect", StringComparison.Ordinal) == true, TimeSpan.FromSeconds(60), "the device reported down", () => session.Status);
        await Task.Delay(3000);
        Assert.False(session.Status.DeviceUp);
        Assert.NotEqual(SessionState.Failed, session.Status.State);

        // The board is plugged in: the session connects, loads its model and calibrates.
        var host = FirmwareLocator.Default().Find("bt-device-host");
        using var board = Process.Start(new ProcessStartInfo(host, ["--unix", socket]) { RedirectStandardError = true })!;
        try
        {
            await DaemonTestKit.Until(() => session.Status.DeviceUp && session.Status.Calibrated, TimeSpan.FromMinutes(2), "calibration on the late device", () => session.Status);
            Assert.Null(session.Status.DeviceProblem);
        }
        finally
        {
            board.Kill();
            await app.StopAsync();
            await app.DisposeAsync();
            await replay.DisposeAsync();
            await replaying.ContinueWith(_ => { });
        }
    }
}
