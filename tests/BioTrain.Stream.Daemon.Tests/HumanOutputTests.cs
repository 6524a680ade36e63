using System.Text.Json;
using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Daemon.Control;
using BioTrain.Stream.Daemon.Hosting;
using BioTrain.Stream.Daemon.Metrics;
using BioTrain.Stream.Daemon.Persistence;
using BioTrain.Stream.Daemon.Pretraining;
using BioTrain.Stream.Daemon.Sessions;
using BioTrain.Stream.Recording;
using BioTrain.Stream.Scenarios;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace BioTrain.Stream.Daemon.Tests;

/// <summary>What people read: <c>biotrain status</c> in words, and one journal line per change of state.</summary>
public sealed class HumanOutputTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("bt-words-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static SessionStatus Status(SessionState state, bool calibrated, bool restored, double? accuracy) => new(
        "mi-s01", "S01", state, "emu:native", calibrated ? "SynthEEG-MI (synth-eeg-mi-3)" : null,
        new Dictionary<string, int> { ["left_hand"] = 2, ["rest"] = 1 }, 4, calibrated, accuracy is null ? null : 0.25, accuracy, restored, 3, 1234, 2,
        new PipelineFigures(1, 0, 0, 0, 0, 0, 0, 0), null);

    [Theory]
    [InlineData(SessionState.WaitingForStreams, "waiting for streams")]
    [InlineData(SessionState.Calibrating, "calibrating")]
    [InlineData(SessionState.Adapting, "adapting")]
    public void Status_reads_as_words_with_no_csharp_values(SessionState state, string words)
    {
        var lines = StatusText.Lines(Status(state, calibrated: false, restored: false, accuracy: null)).ToList();
        var text = string.Join('\n', lines);
        output.WriteLine(text);
        Assert.Contains($"mi-s01 (subject S01): {words}, device emu:native", lines[0], StringComparison.Ordinal);
        Assert.Contains("not calibrated yet; started from the configured weights", text, StringComparison.Ordinal);
        Assert.Contains("input        not found yet", text, StringComparison.Ordinal);
        Assert.Contains("held-out not measured before calibration", text, StringComparison.Ordinal);
        foreach (var csharp in new[] { "True", "False", state.ToString() == words ? "\0" : state.ToString() })
        {
            Assert.DoesNotContain(csharp, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Status_of_a_calibrated_session_survives_the_control_api_json_and_says_yes_in_words()
    {
        // The CLI reads what the control API writes: the same record, enums in kebab-case.
        var json = JsonSerializer.Serialize(Status(SessionState.Running, calibrated: true, restored: true, accuracy: 0.8), ControlApi.Json);
        Assert.Contains("\"state\": \"running\"", json, StringComparison.Ordinal);
        var back = JsonSerializer.Deserialize<SessionStatus>(json, ControlApi.Json)!;
        var text = string.Join('\n', StatusText.Lines(back));
        output.WriteLine(text);
        Assert.Contains("calibrated; weights restored from an earlier run", text, StringComparison.Ordinal);
        Assert.Contains("held-out 25.0 % before calibration, 80.0 % after the last round; 3 adaptation rounds", text, StringComparison.Ordinal);
        Assert.Contains("1,234 published, 2 windows dropped", text, StringComparison.Ordinal);
        Assert.Contains("left_hand 2, rest 1 (calibration needs 4 per class)", text, StringComparison.Ordinal);
    }

    /// <summary>
    /// A new user's first run (issue 16): the example session, from weights pretrained on the other
    /// subjects' recordings (a short pretraining here), calibrates a new subject well above chance,
    /// and the journal says each change of state once, in words.
    /// </summary>
    [Fact]
    public async Task The_example_session_from_pretrained_weights_calibrates_above_chance_and_logs_each_state_once()
    {
        var session = DaemonConfigLoader.Load(PretrainTests.Example, forPretraining: true).Sessions[0];
        session.Model.InitialWeights = Path.Combine(_dir.FullName, "pretrained.bin");
        await SessionPretrainer.RunAsync(session, [PretrainTests.Recording(1), PretrainTests.Recording(2)], session.Model.InitialWeights, new PretrainOptions(), CancellationToken.None);
        session.Adaptation.Enabled = false; // the log ends at the first calibration
        var (lsl, lslFile) = ScenarioSupport.PrivateLslConfig(_dir.FullName);
        var logged = new List<string>();
        var options = new DaemonOptions
        {
            StateDirectory = Path.Combine(_dir.FullName, "state"),
            MetricsListen = "127.0.0.1:0",
            ControlListen = $"unix:{Path.Combine(_dir.FullName, "control.sock")}",
            LslConfigFile = lslFile,
            Sessions = [session],
        };
        var app = DaemonHost.Build(options, LogLevel.Information, (s, services) => new SubjectSession(
            s, services.GetRequiredService<DaemonMetrics>(), services.GetRequiredService<SubjectStore>(), lsl, new ListLogger(logged)));
        var status = await RunUntilCalibrated(app, lsl, session.Name);

        string[] states;
        lock (logged)
        {
            states = [.. logged.Where(l => l.StartsWith("state: ", StringComparison.Ordinal))];
            output.WriteLine(string.Join('\n', logged));
        }

        Assert.Equal(["state: calibrating", "state: training", "state: running", "state: stopped"], states);
        Assert.True(status.AccuracyBeforeCalibration > 0.25, $"pretrained: {status.AccuracyBeforeCalibration:P0} held-out, chance 25 %");
        Assert.True(status.CalibrationAccuracy > 0.4, $"calibrated: {status.CalibrationAccuracy:P0} held-out, chance 25 %");
    }

    private static async Task<SessionStatus> RunUntilCalibrated(Microsoft.AspNetCore.Builder.WebApplication app, Lsl.Config.LslConfig lsl, string name)
    {
        await app.StartAsync();
        var session = (SubjectSession)app.Services.GetRequiredService<SessionManager>().Find(name)!;
        var recording = await RecordingLoader.LoadAsync(PretrainTests.Recording(3));
        await using var replay = new Replayer(recording, new ReplayOptions { Restamp = true, Config = lsl, WaitForConsumers = TimeSpan.FromSeconds(60) });
        var replaying = replay.RunAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!(session.Status.Calibrated && session.Status.State == SessionState.Running))
        {
            Assert.True(DateTime.UtcNow < deadline, $"not calibrated in time: {session.Status}");
            await Task.Delay(200);
        }

        var status = session.Status;
        await app.StopAsync();
        await app.DisposeAsync();
        await replay.DisposeAsync();
        await replaying.ContinueWith(_ => { });
        return status;
    }

    /// <summary>Every message the session logs, formatted.</summary>
    private sealed class ListLogger(List<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (lines)
            {
                lines.Add(formatter(state, exception));
            }
        }
    }
}
