using System.Diagnostics;
using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Daemon.Metrics;
using BioTrain.Stream.Daemon.Pretraining;
using BioTrain.Stream.Daemon.Sessions;
using BioTrain.Stream.Device;
using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Device.Client;
using BioTrain.Stream.Device.Protocol.Messages;
using BioTrain.Stream.Lsl;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Discovery;
using BioTrain.Stream.Lsl.Inlet;
using BioTrain.Stream.Models;
using BioTrain.Stream.Recording;

namespace BioTrain.Stream.Scenarios.Demo;

/// <summary>What <c>biotrain demo</c> runs.</summary>
public sealed record DemoOptions
{
    /// <summary>The shipped recordings (replay-data/ of the repository).</summary>
    public required string ReplayData { get; init; }

    /// <summary>The new subject: replayed live; the others pretrain the model.</summary>
    public int Subject { get; init; } = 3;

    public string Device { get; init; } = "emu:native";

    /// <summary>
    /// Replay speed (the recording is 60 s long). Restamped replay faster than real time compresses
    /// timestamps, so epochs and windows in seconds no longer fit the recording's trials: keep 1
    /// unless the point is throughput.
    /// </summary>
    public double Speed { get; init; } = 1;

    public int PretrainEpochs { get; init; } = 40;

    /// <summary>Trials per class collected for calibration; one of them per class is held out.</summary>
    public int CalibrationTrialsPerClass { get; init; } = 3;

    /// <summary>Passes over the calibration set; default 30 (10 on the QEMU virtual GAP9, which is slower).</summary>
    public int? CalibrationEpochs { get; init; }

    /// <summary>
    /// Times the recording is replayed; default 1 on the native device, 2 on the QEMU virtual GAP9,
    /// whose calibration outlasts the first pass (live predictions are then scored on the second
    /// pass of the test trials only).
    /// </summary>
    public int? Passes { get; init; }

    /// <summary>
    /// Trials replayed after calibration (null: the rest of the recording). The replay then ends at
    /// the next cue, and the offline scores use the same trials.
    /// </summary>
    public int? TestTrials { get; init; }

    /// <summary>
    /// The short form CI runs (well under a minute): fewer pretraining passes, two calibration
    /// trials per class, four test trials.
    /// </summary>
    public DemoOptions AsQuick() => this with { PretrainEpochs = 20, CalibrationTrialsPerClass = 2, CalibrationEpochs = 30, TestTrials = 4 };

    public IProgress<string>? Progress { get; init; }

    /// <summary>The live status page's listener (loopback; port 0: a free one); null serves none.</summary>
    public string? StatusListen { get; init; } = "127.0.0.1:0";
}

/// <summary>
/// The demo's figures; accuracies in [0, 1], times in milliseconds. <see cref="AccuracyBefore"/> and
/// <see cref="AccuracyAfter"/> score the unadapted (pretrained) and the calibrated weights on the same
/// windows of the trials that followed calibration; <see cref="OnlineAccuracy"/> scores what the
/// daemon predicted live on those trials.
/// </summary>
public sealed record DemoReport(
    string Device,
    string Subject,
    int PretrainWindows,
    double PretrainSeconds,
    int CalibrationTrials,
    int TestTrials,
    double AccuracyBefore,
    double AccuracyAfter,
    int OnlinePredictions,
    double? OnlineAccuracy,
    double Chance,
    long Predictions,
    double InputSamplesPerSecond,
    double WindowsPerSecond,
    double TrainingSamplesPerSecond,
    double LatencyMedianMs,
    double LatencyP99Ms,
    double HostLatencyMedianMs,
    double HostLatencyP99Ms,
    double DaemonCpuPercent,
    double PeakMemoryMegabytes,
    uint DevicePeakBytes,
    ulong DeviceInstructions,
    double EstimatedEnergyMillijoules,
    int LiveComparedWindows,
    double LiveOfflineAgreement,
    double TotalSeconds);

/// <summary>
/// The main job on its embedded default (issue 7): pretrain on the shipped recordings of other
/// subjects, run the daemon against the virtual device, replay a new subject's recording over LSL,
/// calibrate it (full fine-tuning, compared with the unadapted model on held-out trials), predict
/// on the rest, and report.
/// </summary>
public static class DemoRunner
{
    private static readonly string[] Classes = ScenarioSupport.MotorImageryClasses;

    public static async Task<DemoReport> RunAsync(DemoOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var total = Stopwatch.StartNew();
        var temp = Directory.CreateTempSubdirectory("biotrain-demo-");
        try
        {
            var address = DeviceAddress.Parse(options.Device);
            var subject = $"sub-{options.Subject:00}";
            var session = SessionFor(options, address, subject);
            var newSubjectFile = Path.Combine(options.ReplayData, "eeg-mi", subject + ".xdf");
            if (!File.Exists(newSubjectFile))
            {
                throw new DeviceStartException($"no recording {newSubjectFile}; --subject picks one of replay-data/eeg-mi/sub-NN.xdf");
            }

            // 1. Pretrain on the other subjects, offline, with the session's own pipeline.
            Report(options, total, "pretraining on the other subjects' recordings (native virtual device)");
            var pretrainWatch = Stopwatch.StartNew();
            var others = Directory.GetFiles(Path.Combine(options.ReplayData, "eeg-mi"), "sub-*.xdf")
                .Where(f => Path.GetFileNameWithoutExtension(f) != subject).Order(StringComparer.Ordinal).ToArray();
            var windows = new List<LabelledSample>();
            SessionPlan? plan = null;
            foreach (var file in others)
            {
                var (filePlan, samples) = await RecordingEpochs.FromXdfAsync(file, session, cancellationToken).ConfigureAwait(false);
                plan = filePlan;
                windows.AddRange(samples);
            }

            if (windows.Count == 0 || plan is null)
            {
                throw new InvalidOperationException($"no labelled windows in {string.Join(", ", others)}");
            }

            var model = SessionModel.Blob(session, plan);
            var pretrained = Path.Combine(temp.FullName, "pretrained.bin");
            var pretraining = new PretrainOptions { Epochs = options.PretrainEpochs };
            var trained = await SessionPretrainer.TrainAsync(model, SessionPretrainer.ConfigFor(session, pretraining), windows, [], pretraining, cancellationToken).ConfigureAwait(false);
            await File.WriteAllBytesAsync(pretrained, trained.Weights, cancellationToken).ConfigureAwait(false);
            session.Model.InitialWeights = pretrained;
            var pretrainSeconds = pretrainWatch.Elapsed.TotalSeconds;
            Report(options, total, $"pretrained on {others.Length} subjects, {windows.Count} windows, in {pretrainSeconds:0.0} s");

            // The new subject's trials: the first ones until every class has enough calibrate; the rest test.
            var (_, subjectEpochs) = await RecordingEpochs.FromXdfAsync(newSubjectFile, session, cancellationToken).ConfigureAwait(false);
            var crops = session.Pipeline.EpochOffsetsSeconds.Count;
            var split = TrialSplit.After(subjectEpochs, crops, Classes.Length, options.CalibrationTrialsPerClass).Keep(options.TestTrials, crops);

            // 2. The daemon, in this process, with one session for the new subject.
            DemoReport report;
            var daemon = await ScenarioDaemon.StartAsync(temp.FullName, session, options.StatusListen, cancellationToken).ConfigureAwait(false);
            await using (daemon.ConfigureAwait(false))
            {
                if (daemon.StatusPage is { } page)
                {
                    Report(options, total, $"live status page: {page} (open it in a browser while the demo runs)");
                }

                var (lsl, metrics, running) = (daemon.Lsl, daemon.Metrics, daemon.Session);

                // 3. Replay the new subject live; watch predictions and cues as a consumer would.
                var recording = await RecordingLoader.LoadAsync(newSubjectFile, null, cancellationToken).ConfigureAwait(false);
                if (options.TestTrials is not null)
                {
                    recording = TrialSplit.UntilCue(recording, Classes, split.CalibrationTrials + split.TestTrials);
                }

                var passes = options.Passes ?? (address.Kind == DeviceAddressKind.EmulatorQemu ? 2 : 1);
                await using var replayer = new Replayer(recording, new ReplayOptions
                {
                    Speed = options.Speed, Restamp = true, Config = lsl, WaitForConsumers = TimeSpan.FromSeconds(60),
                    Loop = passes > 1, LoopCount = passes,
                });
                Report(options, total, $"replaying {subject} at {options.Speed:0.#}x once the daemon listens");
                using var watch = new PredictionWatch(lsl, session);
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                var watching = watch.RunAsync(cancellationToken);
                await watch.CuesOpen.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
                // The replay starts once any consumer is connected to each stream: the watch's cue inlet
                // would do, and the daemon's would then miss the first cue. Wait for the session's inlets.
                await ScenarioSupport.WaitUntilListeningAsync(running, cancellationToken).ConfigureAwait(false);
                var replay = replayer.RunAsync(cancellationToken);
                var calibratedAt = await FollowAsync(options, total, running, replay, cancellationToken).ConfigureAwait(false);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false); // the last windows
                watch.Stop();
                await watching.ConfigureAwait(false);
                var replayReport = await replay.ConfigureAwait(false);
                var process = Process.GetCurrentProcess();
                var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds / Math.Max(replayReport.ElapsedSeconds, 1e-9) * 100;
                var host = running.RecentPredictions.Select(l => l.Host).ToList();
                var status = running.Status;
                var stats = running.Device is { } d ? await d.RunAsync((r, c) => r.GetStatsAsync(c)).ConfigureAwait(false) : null;
                var calibrated = running.Device is { } dev ? (await dev.RunAsync((r, c) => r.ReadWeightsAsync(c)).ConfigureAwait(false)).Bytes : default;
                var online = watch.Score(calibratedAt, split.CalibrationTrials, split.CalibrationTrials + split.TestTrials, session.Pipeline.WindowSeconds, 0.5, 3.0);
                var latencies = watch.Latencies();
                var live = running.RecentPredictions.Where(p => p.PublishedAt > calibratedAt).ToList();
                var counters = running.Counters;
                var seconds = Math.Max(replayReport.ElapsedSeconds, 1e-9);

                // 4. Unadapted and calibrated weights on the same windows of the test trials.
                Report(options, total, $"scoring unadapted and calibrated weights on the {split.TestTrials} trials after calibration");
                var before = await ScoreAsync(model, await File.ReadAllBytesAsync(pretrained, cancellationToken).ConfigureAwait(false), split.Test, cancellationToken).ConfigureAwait(false);
                var after = calibrated.IsEmpty ? double.NaN : await ScoreAsync(model, calibrated, split.Test, cancellationToken).ConfigureAwait(false);
                var agreement = calibrated.IsEmpty ? double.NaN : await AgreementAsync(model, calibrated, newSubjectFile, session, live, cancellationToken).ConfigureAwait(false);
                report = new DemoReport(
                    options.Device, subject, windows.Count, pretrainSeconds, split.CalibrationTrials, split.TestTrials, before, after,
                    online.Count, online.Accuracy, 1.0 / Classes.Length, status.Predictions,
                    counters.SamplesIn / seconds, counters.Windows / seconds, metrics.TrainingRate.WithLabels(session.Name).Value,
                    ScenarioSupport.Percentile(latencies, 0.5) * 1e3, ScenarioSupport.Percentile(latencies, 0.99) * 1e3,
                    ScenarioSupport.Percentile(host, 0.5) * 1e3, ScenarioSupport.Percentile(host, 0.99) * 1e3, cpu, process.PeakWorkingSet64 / 1e6,
                    stats?.PeakBytes ?? 0, stats?.Instructions ?? 0,
                    metrics.DeviceEnergy.WithLabels(session.Name, "estimated", "E1").Value * 1e3,
                    live.Count, agreement,
                    total.Elapsed.TotalSeconds);
            }

            return report;
        }
        finally
        {
            try
            {
                temp.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>
    /// Share of the windows predicted live after calibration that the calibrated weights, run offline
    /// on the recording's own windows (cut by the session's pipeline, matched by the sample they end
    /// with), give the same class for: 1 when the live path adds nothing and loses nothing.
    /// </summary>
    private static async Task<double> AgreementAsync(byte[] model, ReadOnlyMemory<byte> weights, string recording, SessionOptions session, List<PredictionRecord> live, CancellationToken ct)
    {
        var (_, windows) = await RecordingEpochs.InferenceWindowsFromXdfAsync(recording, session, ct).ConfigureAwait(false);
        var byEnd = windows.ToDictionary(w => w.EndSample, w => w.Values);
        var matched = live.Where(p => byEnd.ContainsKey(p.EndSample)).ToList();
        if (matched.Count == 0)
        {
            return double.NaN;
        }

        await using var connection = await DeviceConnection.OpenAsync(DeviceAddress.EmulatorNative, new DeviceClientOptions { InitialChunk = int.MaxValue }, null, ct).ConfigureAwait(false);
        var device = new DeviceSession(connection.Client);
        await device.LoadModelAsync(model, new TrainingConfig(), ct).ConfigureAwait(false);
        await device.WriteWeightsAsync(weights, ct).ConfigureAwait(false);
        var offline = new List<Prediction>(matched.Count);
        foreach (var chunk in matched.Chunk(64))
        {
            await device.RunBatchAsync(BatchMode.Predict, [.. chunk.Select(p => new LabelledSample(byEnd[p.EndSample], 0))], offline, ct).ConfigureAwait(false);
        }

        return matched.Zip(offline).Count(x => x.First.Predicted == x.Second.PredictedClass) / (double)matched.Count;
    }

    /// <summary>Accuracy of a model with the given weights on labelled windows (native virtual device).</summary>
    private static async Task<double> ScoreAsync(byte[] model, ReadOnlyMemory<byte> weights, IReadOnlyList<LabelledSample> samples, CancellationToken ct)
    {
        if (samples.Count == 0)
        {
            return double.NaN;
        }

        await using var connection = await DeviceConnection.OpenAsync(DeviceAddress.EmulatorNative, new DeviceClientOptions { InitialChunk = int.MaxValue }, null, ct).ConfigureAwait(false);
        var trainer = new DeviceTrainer(new DeviceSession(connection.Client));
        await trainer.Session.LoadModelAsync(model, new TrainingConfig(), ct).ConfigureAwait(false);
        await trainer.Session.WriteWeightsAsync(weights, ct).ConfigureAwait(false);
        return await trainer.AccuracyAsync(samples, ct).ConfigureAwait(false);
    }

    private static SessionOptions SessionFor(DemoOptions options, DeviceAddress address, string subject)
    {
        var session = ScenarioSupport.MotorImagerySession("demo", options.Device);
        session.Subject = subject;
        session.Calibration.TrialsPerClass = options.CalibrationTrialsPerClass;
        session.Calibration.Epochs = options.CalibrationEpochs ?? (address.Kind == DeviceAddressKind.EmulatorQemu ? 4 : 30);
        session.Adaptation.Enabled = false; // scored afterwards on the trials that follow calibration
        return session;
    }

    /// <summary>
    /// Prints the session's progress until the replay ends and calibration is over; returns the LSL
    /// time calibration ended (+inf when it did not).
    /// </summary>
    private static async Task<double> FollowAsync(DemoOptions options, Stopwatch total, SubjectSession session, Task replay, CancellationToken ct)
    {
        var calibratedAt = double.PositiveInfinity;
        var last = string.Empty;
        var deadline = TimeSpan.FromMinutes(10);
        while (!replay.IsCompleted || (!session.Status.Calibrated && session.Status.State is SessionState.Training && total.Elapsed < deadline))
        {
            await Task.WhenAny(replay, Task.Delay(500, ct)).ConfigureAwait(false);
            var s = session.Status;
            if (s.Calibrated && double.IsInfinity(calibratedAt))
            {
                calibratedAt = LslClock.LocalClock();
            }

            var trials = string.Join(" ", s.CalibrationTrialsPerClass.Select(kv => $"{kv.Key}:{kv.Value}"));
            var line = s.State switch
            {
                SessionState.Calibrating => $"calibrating: trials {trials} (of {s.CalibrationTarget} per class)",
                SessionState.Training => "training on the device (full fine-tuning)",
                SessionState.Running when s.Calibrated => "running the calibrated model: predictions out over LSL",
                SessionState.Running => "running the unadapted model until calibration starts",
                _ => s.State.ToString(),
            };
            if (line != last)
            {
                Report(options, total, line);
                last = line;
            }
        }

        return calibratedAt;
    }

    private static void Report(DemoOptions options, Stopwatch total, string message) =>
        options.Progress?.Report($"[{total.Elapsed.TotalSeconds,5:0.0} s] {message}");
}
