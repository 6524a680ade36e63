using System.Diagnostics;
using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Daemon.Sessions;
using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Lsl;
using BioTrain.Stream.Recording;

namespace BioTrain.Stream.Scenarios.Realtime;

/// <summary>What <c>biotrain bench realtime</c> runs.</summary>
public sealed record RealtimeBenchOptions
{
    /// <summary>The shipped recordings (replay-data/ of the repository).</summary>
    public required string ReplayData { get; init; }

    public string Device { get; init; } = "emu:native";

    /// <summary>The short form the tests run: 30 s of the recording, once.</summary>
    public bool Quick { get; init; }

    public IProgress<string>? Progress { get; init; }
}

/// <summary>p50, p99 and the maximum, in milliseconds.</summary>
public sealed record Percentiles(double P50, double P99, double Max)
{
    public static Percentiles Of(IEnumerable<double> seconds)
    {
        var ms = seconds.Select(s => s * 1e3).ToList();
        return new Percentiles(ScenarioSupport.Percentile(ms, 0.5), ScenarioSupport.Percentile(ms, 0.99), ms.Count == 0 ? double.NaN : ms.Max());
    }
}

/// <summary>The predictions of one kind of period: the device idle between predictions, or adapting (training) meanwhile.</summary>
public sealed record PeriodFigures(
    int Predictions,
    double Seconds,
    Percentiles HostLatencyMs,
    Percentiles E2eLatencyMs,
    double MaxPredictionGapMs,
    double TrainingSamplesPerS);

/// <summary>
/// The longest gap the device's own timing allows while adapting: one stride, one training sample
/// and one prediction. Measured: the longest training sample and prediction of the run (their
/// requests' round trips); GAP9: model E1 of SPEC.md section 8 (an estimate, 370 MHz, from the MACs
/// the device counted).
/// </summary>
public sealed record GapBound(double TrainingSampleMs, double PredictMs, double GapMs);

public sealed record RealtimeBenchReport(
    string Device,
    double StrideMs,
    double WindowMs,
    PeriodFigures Idle,
    PeriodFigures Adapting,
    int AdaptationRounds,
    long PredictionsDroppedForDeadline,
    long PredictionsDroppedOther,
    double LinkBytesPerPrediction,
    double WindowBytes,
    GapBound Measured,
    GapBound Gap9Estimate,
    double Seconds);

/// <summary>
/// The closed loop under load: replays a shipped EEG recording into the daemon (in this process),
/// calibrates after one trial per class and then adapts after every trial, and measures the
/// prediction stream separately while the device is idle between predictions and while it trains:
/// latencies, the longest gap between predictions, drops, link bytes, training throughput.
/// </summary>
public static class RealtimeBenchmark
{
    public static async Task<RealtimeBenchReport> RunAsync(RealtimeBenchOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var total = Stopwatch.StartNew();
        var temp = Directory.CreateTempSubdirectory("biotrain-bench-realtime-");
        try
        {
            var address = DeviceAddress.Parse(options.Device);
            var qemu = address.Kind == DeviceAddressKind.EmulatorQemu;
            var session = Session("realtime", options.Device, qemu);
            var daemon = await ScenarioDaemon.StartAsync(temp.FullName, session, cancellationToken).ConfigureAwait(false);
            await using (daemon.ConfigureAwait(false))
            {
                var (lsl, running) = (daemon.Lsl, daemon.Session);
                var states = new List<(double At, SessionState State)> { (LslClock.LocalClock(), running.Status.State) };
                running.StateChanged += s =>
                {
                    lock (states)
                    {
                        states.Add((LslClock.LocalClock(), s));
                    }
                };

                var recording = await RecordingLoader.LoadAsync(Path.Combine(options.ReplayData, "eeg-mi", "sub-03.xdf"), null, cancellationToken).ConfigureAwait(false);
                if (options.Quick)
                {
                    recording = recording.Slice(0, 30);
                }

                var passes = options.Quick ? 1 : 2;
                await using var replayer = new Replayer(recording, new ReplayOptions
                {
                    Restamp = true, Config = lsl, WaitForConsumers = TimeSpan.FromSeconds(60), Loop = passes > 1, LoopCount = passes,
                });
                options.Progress?.Report($"replaying {recording.Duration * passes:0} s of EEG into the daemon on {options.Device}: calibration after one trial per class, adaptation after every trial");
                await ScenarioSupport.WaitUntilListeningAsync(running, cancellationToken).ConfigureAwait(false);
                var started = LslClock.LocalClock();
                await replayer.RunAsync(cancellationToken).ConfigureAwait(false);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false); // the last windows
                var ended = LslClock.LocalClock();
                return Measure(options.Device, session, running, states, started, ended, total);
            }
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

    /// <summary>The closed loop's session (the soak runs it too): calibration after one trial per class, then a round after every trial.</summary>
    internal static SessionOptions Session(string name, string device, bool qemu)
    {
        var session = ScenarioSupport.MotorImagerySession(name, device);
        session.Calibration.TrialsPerClass = 1;
        session.Calibration.Epochs = qemu ? 2 : 10;
        // Every trial (5 crops) starts a round: the device is adapting much of the time.
        session.Adaptation = new AdaptationOptions { Enabled = true, Every = 5, Rehearsal = qemu ? 3 : 15, Epochs = qemu ? 1 : 2 };
        return session;
    }

    private static RealtimeBenchReport Measure(
        string device, SessionOptions session, SubjectSession running, List<(double At, SessionState State)> states, double started, double ended, Stopwatch total)
    {
        static bool Adapting(SessionState s) => s is SessionState.Training or SessionState.Adapting;
        var timeline = states.ToArray();
        SessionState StateAt(double t) => timeline.LastOrDefault(s => s.At <= t, timeline[0]).State;
        bool AdaptingWithin(double from, double to) =>
            Adapting(StateAt(from)) || timeline.Any(s => s.At > from && s.At <= to && Adapting(s.State));

        var predictions = running.RecentPredictions.Where(p => p.PublishedAt >= started && p.PublishedAt <= ended).ToList();
        var idle = new List<PredictionRecord>();
        var adapting = new List<PredictionRecord>();
        double idleGap = 0, adaptingGap = 0;
        for (var i = 0; i < predictions.Count; i++)
        {
            var p = predictions[i];
            (Adapting(StateAt(p.PublishedAt)) ? adapting : idle).Add(p);
            if (i > 0)
            {
                var gap = p.PublishedAt - predictions[i - 1].PublishedAt;
                if (AdaptingWithin(predictions[i - 1].PublishedAt, p.PublishedAt))
                {
                    adaptingGap = Math.Max(adaptingGap, gap);
                }
                else
                {
                    idleGap = Math.Max(idleGap, gap);
                }
            }
        }

        // Seconds spent adapting within the measured span.
        var adaptingSeconds = 0.0;
        for (var i = 0; i < timeline.Length; i++)
        {
            var from = Math.Max(timeline[i].At, started);
            var to = Math.Min(i + 1 < timeline.Length ? timeline[i + 1].At : ended, ended);
            if (Adapting(timeline[i].State) && to > from)
            {
                adaptingSeconds += to - from;
            }
        }

        var work = running.Work;
        var trainingRate = adaptingSeconds > 0 ? work.TrainingSamples / adaptingSeconds : double.NaN;
        var status = running.Status;
        var dev = running.Device;
        var plan = running.Plan;
        var window = (double)plan!.InputValues * 4; // a float32 window: what each prediction sent before the ring
        var stride = session.Pipeline.StrideSeconds * 1e3;
        var sample = work.TrainingSamples > 0 ? work.LongestTrainingSample.TotalSeconds : double.NaN;
        var predict = predictions.Count > 0 ? predictions.Max(p => p.Device) : double.NaN;
        var macsPerTrainingSample = work.TrainingSamples > 0 ? (double)work.TrainingMacs / work.TrainingSamples : double.NaN;
        var e1Sample = macsPerTrainingSample * 5 / 370e6 * 1e3;
        var e1Predict = plan.MacsForward * 5.0 / 370e6 * 1e3;
        return new RealtimeBenchReport(
            device,
            stride,
            session.Pipeline.WindowSeconds * 1e3,
            Figures(idle, ended - started - adaptingSeconds, idleGap, double.NaN),
            Figures(adapting, adaptingSeconds, adaptingGap, trainingRate),
            status.AdaptationRounds,
            dev?.PredictionsExpired ?? 0,
            (dev?.PredictionsUnavailable ?? 0) + (dev?.PredictionsOverflowed ?? 0) + (dev?.PredictionsFailed ?? 0),
            predictions.Count == 0 ? double.NaN : predictions.Average(p => (double)p.LinkBytes),
            window,
            new GapBound(sample * 1e3, predict * 1e3, stride + ((sample + predict) * 1e3)),
            new GapBound(e1Sample, e1Predict, stride + e1Sample + e1Predict),
            total.Elapsed.TotalSeconds);
    }

    private static PeriodFigures Figures(List<PredictionRecord> predictions, double seconds, double maxGap, double trainingRate) => new(
        predictions.Count,
        seconds,
        Percentiles.Of(predictions.Select(p => p.Host)),
        Percentiles.Of(predictions.Select(p => p.EndToEnd)),
        maxGap * 1e3,
        trainingRate);
}
