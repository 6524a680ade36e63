using System.Diagnostics;
using System.Globalization;
using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Lsl;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Discovery;
using BioTrain.Stream.Lsl.Inlet;
using BioTrain.Stream.Recording;
using BioTrain.Stream.Scenarios.Realtime;

namespace BioTrain.Stream.Scenarios.Soak;

/// <summary>
/// The closed loop of <c>bench realtime</c> for a long time: the daemon (<c>biotrain run</c>, a process
/// of its own) gets the shipped EEG recording replayed in a loop, calibrates after one trial per class
/// and adapts after every trial, for ever. Every interval the soak samples the daemon process (/proc:
/// RSS, threads, open descriptors), its runtime (/metrics: GC heap, bytes allocated), its session
/// (adaptation rounds) and the predictions it received over LSL (count, longest gap), then fits the
/// growth per hour after the warm-up and calls a leak by <see cref="SoakLimits"/>.
/// </summary>
public static class SoakBenchmark
{
    private const string SessionName = "soak";
    private const double Mb = 1024.0 * 1024.0;

    public static async Task<SoakReport> RunAsync(SoakOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Interval <= TimeSpan.Zero || options.Duration < options.Interval)
        {
            throw new SoakException($"the soak needs an interval above 0 and a duration of at least one interval (interval {options.Interval.TotalSeconds} s, duration {options.Duration.TotalSeconds} s)");
        }

        if (!OperatingSystem.IsLinux())
        {
            throw new SoakException("the soak reads the daemon's figures from /proc: Linux only");
        }

        var total = Stopwatch.StartNew();
        var temp = Directory.CreateTempSubdirectory("biotrain-bench-soak-");
        try
        {
            var qemu = DeviceAddress.Parse(options.Device).Kind == DeviceAddressKind.EmulatorQemu;
            var session = RealtimeBenchmark.Session(SessionName, options.Device, qemu);
            var (lsl, lslFile) = ScenarioSupport.PrivateLslConfig(temp.FullName);
            // Metrics and control on one socket: the soak reads both, and nothing listens on a TCP port.
            var socket = $"unix:{Path.Combine(temp.FullName, "daemon.sock")}";
            var config = Path.Combine(temp.FullName, "biotrain.json");
            await File.WriteAllTextAsync(config, DaemonConfigLoader.Serialize(new DaemonOptions
            {
                StateDirectory = Path.Combine(temp.FullName, "state"),
                MetricsListen = socket,
                ControlListen = socket,
                LslConfigFile = lslFile,
                LslMachineOnly = true,
                Sessions = [session],
            }), cancellationToken).ConfigureAwait(false);
            var recording = await RecordingLoader.LoadAsync(Path.Combine(options.ReplayData, "eeg-mi", "sub-03.xdf"), null, cancellationToken).ConfigureAwait(false);

            var daemon = DaemonProcess.Start(options.DaemonCommand, config, socket, temp.FullName);
            await using (daemon.ConfigureAwait(false))
            {
                options.Log?.Invoke($"daemon: biotrain run in its own process (pid {daemon.Id}) on {options.Device}");
                await daemon.WaitUntilAnsweringAsync(SessionName, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
                var samples = await SoakAsync(options, daemon, recording, lsl, $"name='{session.Output.Name}-Markers'", cancellationToken).ConfigureAwait(false);
                await daemon.StopAsync().ConfigureAwait(false);
                return Report(options, daemon.Id, session.Pipeline.StrideSeconds * 1e3, samples, total.Elapsed.TotalSeconds);
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

    private static async Task<List<SoakSample>> SoakAsync(
        SoakOptions options, DaemonProcess daemon, ReplayRecording recording, LslConfig lsl, string predictionsQuery, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var gaps = new PredictionGaps();
        var watching = Task.Factory.StartNew(
            () => WatchAsync(predictionsQuery, lsl, gaps, stop.Token).GetAwaiter().GetResult(),
            CancellationToken.None,
            TaskCreationOptions.LongRunning, // blocking pulls: a thread of its own, not one of the pool's
            TaskScheduler.Default);
        var replayer = new Replayer(recording, new ReplayOptions { Restamp = true, Config = lsl, WaitForConsumers = TimeSpan.FromSeconds(60), Loop = true });
        await using (replayer.ConfigureAwait(false))
        {
            options.Log?.Invoke(string.Create(CultureInfo.InvariantCulture,
                $"replaying {recording.Duration:0} s of EEG in a loop: calibration after one trial per class, adaptation after every trial; a sample every {options.Interval.TotalSeconds:0.#} s for {options.Duration.TotalMinutes:0.##} min"));
            var replaying = replayer.RunAsync(stop.Token);
            var samples = new List<SoakSample>();
            try
            {
                var clock = Stopwatch.StartNew();
                using var timer = new PeriodicTimer(options.Interval);
                while (true)
                {
                    if (daemon.HasExited)
                    {
                        throw new SoakException(string.Create(CultureInfo.InvariantCulture, $"after {clock.Elapsed.TotalSeconds:0} s, {daemon.ExitReason()}"));
                    }

                    if (replaying.Exception?.InnerException is { } replayError)
                    {
                        throw new SoakException($"the replay failed after {clock.Elapsed.TotalSeconds:0} s: {replayError.Message}", replayError);
                    }

                    var sample = await SampleAsync(daemon, gaps, clock.Elapsed.TotalSeconds, cancellationToken).ConfigureAwait(false);
                    samples.Add(sample);
                    options.Sampled?.Invoke(sample);
                    // By the clock, not by ticks: a loaded machine may make the timer skip one.
                    if (clock.Elapsed >= options.Duration - (options.Interval / 2))
                    {
                        return samples;
                    }

                    await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                await stop.CancelAsync().ConfigureAwait(false);
                await Task.WhenAll(replaying, watching).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
        }
    }

    private static async Task<SoakSample> SampleAsync(DaemonProcess daemon, PredictionGaps gaps, double seconds, CancellationToken ct)
    {
        var (predictions, gap) = gaps.TakeInterval(LslClock.LocalClock());
        ProcFigures proc;
        DaemonFigures figures;
        try
        {
            proc = await daemon.ReadProcAsync(ct).ConfigureAwait(false);
            figures = await daemon.ReadDaemonAsync(SessionName, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            // Gone from /proc or silent on its socket: it exited, or is wedged.
            throw new SoakException($"the daemon could not be sampled after {seconds:0} s ({e.Message}); {daemon.ExitReason()}", e);
        }

        return new SoakSample(
            seconds, proc.RssBytes / Mb, proc.Threads, proc.OpenFds, figures.GcHeapBytes / Mb, figures.AllocatedBytes / Mb,
            predictions, gap * 1e3, figures.Predictions, figures.WindowsDropped, figures.AdaptationRounds, figures.State);
    }

    /// <summary>Receives the predicted-class markers, as a control app would, and notes when each arrived.</summary>
    private static async Task WatchAsync(string query, LslConfig lsl, PredictionGaps gaps, CancellationToken ct)
    {
        try
        {
            var found = await StreamResolver.ResolveByPredicateAsync(query, 1, LslConstants.Forever, lsl, ct).ConfigureAwait(false);
            await using var inlet = new StreamInlet(found[0], config: lsl);
            await inlet.OpenStreamAsync(10, ct).ConfigureAwait(false);
            var value = new string[1];
            while (!ct.IsCancellationRequested)
            {
                if (inlet.PullSample(value, 0.1) != 0)
                {
                    gaps.Received(LslClock.LocalClock());
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    internal static SoakReport Report(SoakOptions options, int pid, double strideMs, IReadOnlyList<SoakSample> samples, double seconds)
    {
        var warmUp = options.WarmUp.TotalSeconds;
        var after = samples.Where(s => s.Seconds >= warmUp - 1e-6).ToList();
        var limits = options.Limits;
        var judged = after.Count >= limits.MinSamples;
        var growth = new List<SoakGrowth>
        {
            Growth("rss", "MB", after, s => s.RssMb, limits.RssMbPerHour, judged),
            Growth("threads", string.Empty, after, s => s.Threads, limits.ThreadsPerHour, judged),
            Growth("open_fds", string.Empty, after, s => s.OpenFds, limits.FdsPerHour, judged),
            Growth("gc_heap", "MB", after, s => s.GcHeapMb, limits.GcHeapMbPerHour, judged),
            Growth("allocated", "MB", after, s => s.AllocatedMb, null, judged),
        };

        var findings = new List<string>();
        foreach (var g in growth.Where(g => g.Leak))
        {
            findings.Add(string.Create(CultureInfo.InvariantCulture,
                $"leak: {g.Metric} grows {g.PerHour:0.##} {Per(g.Unit)} (later half {g.LaterHalfPerHour:0.##}), over the limit of {g.LimitPerHour:0.##}"));
        }

        // Predictions that stop are the failure a soak is for, leak or not.
        foreach (var s in after.Where(s => s.Predictions == 0))
        {
            findings.Add(string.Create(CultureInfo.InvariantCulture, $"stall: no prediction received in the interval ending at {s.Seconds:0} s (state {s.State})"));
        }

        var verdict = findings.Count > 0 ? "fail"
            : judged ? "pass"
            : string.Create(CultureInfo.InvariantCulture, $"not judged: {after.Count} samples after the warm-up, {limits.MinSamples} needed");
        static double? Longest(IEnumerable<SoakSample> s) => s.Select(x => x.LongestGapMs).Where(g => g is not null).DefaultIfEmpty(null).Max();
        return new SoakReport(
            options.Device,
            $"separate process: biotrain run, pid {pid}",
            pid,
            options.Duration.TotalMinutes,
            options.Interval.TotalSeconds,
            warmUp,
            string.Create(CultureInfo.InvariantCulture, $"the samples of the first {warmUp:0.#} s are left out of the growth"),
            strideMs,
            samples,
            after.Count,
            growth,
            samples.Sum(s => (long)s.Predictions),
            Longest(after),
            Longest(samples),
            samples.Count == 0 ? 0 : samples[^1].AdaptationRounds,
            limits,
            verdict,
            findings,
            seconds);
    }

    private static string Per(string unit) => unit.Length == 0 ? "per hour" : $"{unit}/h";

    private static SoakGrowth Growth(string metric, string unit, List<SoakSample> after, Func<SoakSample, double> value, double? limit, bool judged)
    {
        var (perHour, scatter) = Fit(after, value);
        var (later, _) = Fit(after.Skip(after.Count / 2).ToList(), value);
        return new SoakGrowth(
            metric,
            unit,
            after.Count > 0 ? value(after[0]) : double.NaN,
            after.Count > 0 ? value(after[^1]) : double.NaN,
            perHour,
            later,
            scatter,
            limit,
            judged && limit is { } l && perHour > l && later > l);
    }

    /// <summary>
    /// Least-squares line of the value against time: its slope per hour and the standard deviation of
    /// the samples about it (the noise a limit must stand clear of); NaN with fewer than two samples.
    /// </summary>
    internal static (double PerHour, double Scatter) Fit(IReadOnlyList<SoakSample> samples, Func<SoakSample, double> value)
    {
        if (samples.Count < 2)
        {
            return (double.NaN, double.NaN);
        }

        var meanT = samples.Average(s => s.Seconds);
        var meanY = samples.Average(value);
        double num = 0, den = 0;
        foreach (var s in samples)
        {
            var dt = s.Seconds - meanT;
            num += dt * (value(s) - meanY);
            den += dt * dt;
        }

        if (den == 0)
        {
            return (double.NaN, double.NaN);
        }

        var slope = num / den;
        var squares = samples.Sum(s => Math.Pow(value(s) - meanY - (slope * (s.Seconds - meanT)), 2));
        return (slope * 3600, Math.Sqrt(squares / samples.Count));
    }

    /// <summary>Arrival times of predictions, reduced per interval to a count and the longest gap.</summary>
    private sealed class PredictionGaps
    {
        private readonly Lock _gate = new();
        private double? _last;
        private double _longest;
        private int _count;

        public void Received(double at)
        {
            lock (_gate)
            {
                if (_last is { } last)
                {
                    _longest = Math.Max(_longest, at - last);
                }

                _last = at;
                _count++;
            }
        }

        /// <summary>The interval's count and longest gap in seconds (with the open one up to <paramref name="now"/>), then starts the next.</summary>
        public (int Count, double? Longest) TakeInterval(double now)
        {
            lock (_gate)
            {
                double? longest = _last is { } last ? Math.Max(_longest, now - last) : null;
                var count = _count;
                _count = 0;
                _longest = 0;
                return (count, longest);
            }
        }
    }
}
