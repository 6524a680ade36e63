using System.Globalization;
using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Daemon.Hosting;
using BioTrain.Stream.Daemon.Persistence;
using BioTrain.Stream.Daemon.Sessions;
using BioTrain.Stream.Device;
using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Device.Client;
using BioTrain.Stream.Experiments;
using BioTrain.Stream.Experiments.Datasets;
using BioTrain.Stream.Experiments.Drift;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Models;
using BioTrain.Stream.Recording;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace BioTrain.Stream.Daemon.Tests;

/// <summary>
/// Replay as live (issue 15, item 5, short form): one UniBo-INAIL user's later days, turned into XDF by
/// <c>biotrain convert</c>'s code, replayed day after day into the real daemon with adaptation on, and its
/// predictions scored against the offline drift figures of the same user, days and test repetitions.
/// </summary>
public sealed class ReplayAsLiveTests(ITestOutputHelper output) : IDisposable
{
    private const int PortBlock = 38400;
    private const int User = 5;          // the shortest days after user 6, and a large gap between none and full
    private const int K = 2;             // the published figures' repetitions per class of a day
    private const int Seed = 1;
    private const double Speed = 30;     // days 2-5 of user 5 last 1097 s: 37 s at 30x
    private const int Window = UniboInailLoader.Window;
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("bt-replay-live-");

    public void Dispose() => _dir.Delete(recursive: true);

    /// <summary>
    /// The daemon's session for the user, set as the drift experiment is: the 500 Hz envelope resampled
    /// to 100 Hz, 1-s windows, each channel divided by the user's day-1 level (not centred), mi-bminet
    /// (F1 8, D 1, F2 16), Adam at the experiment's full-adaptation rate, batch norm frozen.
    /// </summary>
    private static SessionOptions Session(IReadOnlyList<float> levels, double strideSeconds) => new()
    {
        Name = "unibo-5",
        Subject = "user-5",
        Input = new InputOptions { Query = "name='UniBo-INAIL-EMG'" },
        Markers = new MarkerOptions { Query = "name='UniBo-INAIL-EMG-Markers'", Classes = [.. UniboInailLoader.Classes] },
        Pipeline = new PipelineOptions
        {
            ResampleHz = UniboInailLoader.Rate,
            WindowSeconds = Window / UniboInailLoader.Rate,
            StrideSeconds = strideSeconds,
            // Crops inside the first 2.5 s of a repetition (they last about 3 s): an epoch is cut from its marker on.
            EpochOffsetsSeconds = [0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5],
            Normalize = NormalizeMode.Scale,
            ChannelLevels = [.. levels.Select(l => (double)l)],
        },
        Device = "emu:native",
        Model = new ModelOptions { Name = "mi-bminet", F1 = 8, D = 1, F2 = 16, Seed = Seed },
        Calibration = new Configuration.CalibrationOptions
        {
            TrialsPerClass = K, BatchSize = 16, Optimizer = TrainingOptimizer.Adam, LearningRate = new TrainingRecipe().CalibrationLearningRate,
            Scope = TrainingScope.Full, Norm = NormLayers.Frozen, HoldOutFraction = 0,
        },
        Adaptation = new AdaptationOptions { Enabled = true, Every = 8, Rehearsal = 32, Epochs = 2 },
        Output = new OutputOptions { Name = "BioTrain-Replay-Live", SourceId = "biotrain-replay-live" },
    };

    private static string DayFile(int day) => SharedRecordings.File($"{UniboInailLoader.Folder}/data/{UniboInailLoader.FileName(User, day)}");

    [SharedDataFact]
    public async Task The_session_pipeline_with_scale_cuts_the_experiments_windows()
    {
        var (dataset, levels) = await UniboInailLoader.LoadUserAsync(SharedRecordings.Folder, User, CancellationToken.None);
        var day = await UniboInailLoader.ReadDayAsync(DayFile(2), CancellationToken.None);
        var xdf = Path.Combine(_dir.FullName, "day2.xdf");
        await UniboInailXdf.ConvertAsync(DayFile(2), xdf, CancellationToken.None);

        // The daemon's operator chain over the recording, a window ending at every sample.
        var (_, live) = await RecordingEpochs.InferenceWindowsFromXdfAsync(xdf, Session(levels, 1 / UniboInailLoader.Rate), CancellationToken.None);
        var byEnd = live.ToDictionary(w => w.EndSample, w => w.Values);

        // The experiment's windows of day 2, in the order it cut them, by the sample they end with.
        var epochs = dataset.Subjects[0].Sessions[1].Epochs;
        var places = Windowing.Places(UniboInailLoader.Segments(day, 0), UniboInailLoader.Resampled(day)[0].Length, Window, UniboInailLoader.Stride).ToList();
        Assert.Equal(epochs.Count, places.Count);
        var worst = 0f;
        for (var i = 0; i < epochs.Count; i++)
        {
            var end = places[i].Start + Window;
            Assert.True(byEnd.TryGetValue(end, out var values), $"no live window ends at sample {end}");
            var expected = epochs[i].Values.Span;
            Assert.Equal(expected.Length, values.Length);
            for (var j = 0; j < values.Length; j++)
            {
                worst = Math.Max(worst, Math.Abs(values[j] - expected[j]));
            }
        }

        output.WriteLine($"{epochs.Count} windows of day 2 compared; largest difference {worst:G3}");
        Assert.True(worst <= 1e-5f, $"the live windows differ from the experiment's by up to {worst}");
    }

    [SharedDataFact]
    public async Task Days_2_to_5_replayed_live_with_adaptation_beat_no_adaptation_and_come_near_the_offline_cumulative_full_figure()
    {
        var ct = CancellationToken.None;
        var (dataset, levels) = await UniboInailLoader.LoadUserAsync(SharedRecordings.Folder, User, ct);
        var user = dataset.Subjects[0];
        var days = Enumerable.Range(2, user.Sessions.Count - 1).ToList();

        // Offline, through the drift experiment's own steps: the model trained on the user's day 1, then on
        // each later day none (as is) and cumulative full adaptation on the first K repetitions per class.
        var blob = ModelFormat.Write(dataset.Model.Build(Seed));
        var offline = new Dictionary<int, (double None, double Full, HashSet<int> TestTrials)>();
        WeightsSnapshot dayOne;
        await using (var native = await DeviceConnection.OpenAsync(DeviceAddress.EmulatorNative, new DeviceClientOptions { InitialChunk = int.MaxValue, RequestTimeout = TimeSpan.FromSeconds(120) }, null, ct))
        {
            var runner = new CalibrationRunner(new DeviceTrainer(new DeviceSession(native.Client)), dataset.Recipe with { PretrainEpochs = new DriftOptions().DayOneEpochs });
            dayOne = (await runner.PretrainAsync(blob, user.Sessions[0].Epochs, Seed, ct)).Weights;
            var carried = dayOne;
            foreach (var d in days)
            {
                var (adapt, test) = DriftExperiment.Split(user.Sessions[d - 1], K);
                await runner.RestoreAsync(dayOne, CalibrationMode.None, ct);
                var none = await runner.AccuracyAsync(test, ct);
                var full = await runner.CalibrateAsync(carried, CalibrationMode.Full, adapt, test, Seed, ct);
                carried = await runner.ReadWeightsAsync(ct);
                offline[d] = (none, full, [.. test.Select(e => e.Trial)]);
            }
        }

        // The days as replayable recordings (what biotrain convert writes), and their repetitions at 100 Hz.
        var segments = new Dictionary<int, IReadOnlyList<Segment>>();
        var firstTrial = 0;
        for (var d = 1; d <= user.Sessions.Count; d++)
        {
            var day = await UniboInailLoader.ReadDayAsync(DayFile(d), ct);
            segments[d] = UniboInailLoader.Segments(day, firstTrial);
            firstTrial += day.RepetitionsInOrder().Count;
            if (d > 1)
            {
                await UniboInailXdf.ConvertAsync(DayFile(d), Path.Combine(_dir.FullName, $"day{d}.xdf"), ct);
            }
        }

        // Day 1 was the subject's calibration day: the daemon finds the day-1 model as the subject's saved weights.
        var lslFile = DaemonTestKit.WriteLslConfig(_dir.FullName, PortBlock);
        var lsl = LslConfig.LoadFile(lslFile);
        var session = Session(levels, UniboInailLoader.Stride / UniboInailLoader.Rate);
        var options = new DaemonOptions
        {
            StateDirectory = Path.Combine(_dir.FullName, "state"),
            MetricsListen = "127.0.0.1:0",
            ControlListen = $"unix:{Path.Combine(_dir.FullName, "control.sock")}",
            LslConfigFile = lslFile,
            Sessions = [session],
        };
        await new SubjectStore(options.StateDirectory).SaveAsync(
            new SubjectWeights(session.Subject, "mi-bminet", SubjectStore.ArchitectureCrc(blob), dayOne.Crc, dayOne.Bytes.Length / 4, null, 0, DateTimeOffset.UtcNow) { Weights = dayOne.Bytes },
            ct);

        // Live: one daemon run a day (the wearable restarts each morning with the weights it saved), each day
        // replayed at 30x; predictions are made before the windows they predict are trained on.
        var live = new Dictionary<int, (int Correct, int Scored, int Expected)>();
        foreach (var d in days)
        {
            var app = DaemonHost.Build(options);
            await app.StartAsync();
            try
            {
                var running = (SubjectSession)app.Services.GetRequiredService<SessionManager>().Find(session.Name)!;
                var recording = await RecordingLoader.LoadAsync(Path.Combine(_dir.FullName, $"day{d}.xdf"));
                await using (var replay = new Replayer(recording, new ReplayOptions { Speed = Speed, Config = lsl, WaitForConsumers = TimeSpan.FromSeconds(60) }))
                {
                    await replay.RunAsync();
                }

                // The last windows: until no prediction has come for a second.
                for (var (last, quiet) = (-1L, 0); quiet < 2; await Task.Delay(500))
                {
                    var now = running.Status.Predictions;
                    (last, quiet) = (now, now == last ? quiet + 1 : 0);
                }

                Assert.True(running.Status.RestoredWeights, "the daemon starts from the subject's saved weights");
                var tests = segments[d].Where(s => offline[d].TestTrials.Contains(s.Trial)).ToList();
                var expected = tests.Sum(s => GridWindows(s));
                var (correct, scored) = (0, 0);
                foreach (var p in running.RecentPredictions)
                {
                    if (tests.FirstOrDefault(s => s.Start <= p.EndSample - Window && p.EndSample <= s.End) is { } rep)
                    {
                        scored++;
                        correct += p.Predicted == rep.Label ? 1 : 0;
                    }
                }

                var c = running.Status;
                live[d] = (correct, scored, expected);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"day {d}: live {100.0 * correct / Math.Max(1, scored):F1} % on {scored} of {expected} test windows ({c.Predictions} predictions, {c.AdaptationRounds} adaptation rounds so far, {c.WindowsDropped} windows dropped); offline none {100 * offline[d].None:F1} %, cumulative full {100 * offline[d].Full:F1} %"));
            }
            finally
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }

        var liveMean = days.Average(d => (double)live[d].Correct / live[d].Scored);
        var noneMean = days.Average(d => offline[d].None);
        var fullMean = days.Average(d => offline[d].Full);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"days 2-5: live {100 * liveMean:F1} %, offline none {100 * noneMean:F1} %, cumulative full {100 * fullMean:F1} %"));

        // Most test windows are predicted: on a loaded machine the device drops predictions past their
        // 1-s deadline (counted, never published late), so not all; three quarters score a day well enough.
        Assert.All(days, d => Assert.True(live[d].Scored >= 0.75 * live[d].Expected, $"day {d}: {live[d].Scored} of {live[d].Expected} test windows predicted"));
        // Adaptation works live: every day beats the unadapted day-1 model, and on average by the issue's target margin.
        Assert.All(days, d => Assert.True((double)live[d].Correct / live[d].Scored > offline[d].None, $"day {d}: live {(double)live[d].Correct / live[d].Scored:P1} does not beat none ({offline[d].None:P1})"));
        Assert.True(liveMean >= noneMean + 0.10, $"live {liveMean:P1} does not beat no adaptation ({noneMean:P1}) by 10 points");
        // And it lands where the offline protocol does, within 10 points: this user's offline cumulative-full
        // mean ranges over 7 points between seeds 1-3 (88.1-95.0 %), and live adaptation is another schedule
        // (a round every 8 new epochs on what has been seen, its timing set by the machine's load, not 100
        // steps on the day's first two repetitions per class), which moved the live mean by 6 points between runs.
        Assert.True(Math.Abs(liveMean - fullMean) <= 0.10, $"live {liveMean:P1} is more than 10 points from offline cumulative full ({fullMean:P1})");
    }

    /// <summary>Windows of the live grid (every 25 samples from the day's start) wholly inside a repetition.</summary>
    private static int GridWindows(Segment s)
    {
        var first = Math.Max(Window, (int)Math.Ceiling((s.Start + Window) / (double)UniboInailLoader.Stride) * UniboInailLoader.Stride);
        return first > s.End ? 0 : ((s.End - first) / UniboInailLoader.Stride) + 1;
    }
}
