using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using BioTrain.Stream.Lsl;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Discovery;
using BioTrain.Stream.Lsl.Info;
using BioTrain.Stream.Lsl.Inlet;
using BioTrain.Stream.Lsl.Outlet;

namespace BioTrain.Stream.Cli.Commands;

/// <summary>
/// The cross-process part of <c>biotrain bench lsl</c>: an outlet process and an inlet process of this same
/// executable on 127.0.0.1. The outlet pushes single samples at a fixed rate (sleeping between them, as an
/// acquisition loop would), the inlet pulls each with a blocking pull. Both measure over the same window
/// of the shared LSL clock (CLOCK_MONOTONIC in every process): CPU-seconds per second of their whole
/// process (user + system time from getrusage, microseconds), and the inlet the latency of every sample
/// stamped in the window (clock at pull minus the push timestamp). Before the window the outlet pushes at
/// the warm-up rate and then, for the last <see cref="SettleSeconds"/>, at the measured rate: a slow case
/// is thus measured with its code compiled (tiered JIT), as in a process that has run for a while.
/// </summary>
internal static class LslProcessBench
{
    /// <summary>Seconds the two processes get to start, find each other and connect before the warm-up begins.</summary>
    private const double StartupSeconds = 4.0;

    /// <summary>Seconds at the measured rate between the warm-up and the window (the warm-up's after-effects end).</summary>
    private const double SettleSeconds = 2.0;

    // One report per line on the peer's stdout.
    private static readonly JsonSerializerOptions ReportJson = new(CliOutput.Json) { WriteIndented = false };

    internal sealed record Case(string Label, int Channels, double Rate, double WarmupRate, double Warmup, double Seconds);

    internal sealed record PeerReport(string Role, double CpuPerSecond, long Samples, double Min, double Median, double P99, double Max);

    internal sealed record PeerArguments(string Role, int Channels, double Rate, double WarmupRate, double Start, double Seconds, string SourceId, int Port);

    public static async Task<(PeerReport Outlet, PeerReport Inlet)> RunCaseAsync(Case benchCase, int multicastPort, CancellationToken ct)
    {
        var sourceId = "bench-split-" + Guid.NewGuid().ToString("N");
        var start = LslClock.LocalClock() + StartupSeconds + benchCase.Warmup;
        using var outlet = StartPeer(new PeerArguments("outlet", benchCase.Channels, benchCase.Rate, benchCase.WarmupRate, start, benchCase.Seconds, sourceId, multicastPort));
        using var inlet = StartPeer(new PeerArguments("inlet", benchCase.Channels, benchCase.Rate, benchCase.WarmupRate, start, benchCase.Seconds, sourceId, multicastPort));
        var reports = await Task.WhenAll(ReadReportAsync(outlet, ct), ReadReportAsync(inlet, ct)).ConfigureAwait(false);
        return (reports[0], reports[1]);
    }

    private static Process StartPeer(PeerArguments peer)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var info = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
        if (string.Equals(Path.GetFileNameWithoutExtension(self), "dotnet", StringComparison.Ordinal))
        {
            // Run from the build (dotnet biotrain.dll): the peer is the same dll. A single-file build is its own program.
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, $"{Assembly.GetEntryAssembly()!.GetName().Name}.dll"));
        }

        foreach (var arg in new[]
        {
            "bench", "lsl", "--role", peer.Role, "--channels", peer.Channels.ToString(CultureInfo.InvariantCulture),
            "--rate", peer.Rate.ToString("R", CultureInfo.InvariantCulture), "--warmup-rate", peer.WarmupRate.ToString("R", CultureInfo.InvariantCulture), "--start", peer.Start.ToString("R", CultureInfo.InvariantCulture),
            "--seconds", peer.Seconds.ToString("R", CultureInfo.InvariantCulture), "--source-id", peer.SourceId,
            "--port", peer.Port.ToString(CultureInfo.InvariantCulture),
        })
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("could not start a benchmark peer");
    }

    private static async Task<PeerReport> ReadReportAsync(Process process, CancellationToken ct)
    {
        var output = await process.StandardOutput.ReadToEndAsync(ct).ConfigureAwait(false);
        await process.WaitForExitAsync(ct).ConfigureAwait(false);
        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (process.ExitCode != 0 || last is null)
        {
            throw new LslException($"a benchmark peer failed (exit {process.ExitCode}): {output.Trim()}");
        }

        return JsonSerializer.Deserialize<PeerReport>(last, ReportJson) ?? throw new LslException("empty benchmark report");
    }

    /// <summary>The body of a peer process: <c>bench lsl --role outlet|inlet ...</c>; prints one JSON report.</summary>
    public static async Task<int> RunPeerAsync(PeerArguments peer, CancellationToken ct)
    {
        var config = LslConfig.MachineOnly(peer.Port, peer.Port + 1, 16);
        var report = peer.Role switch
        {
            "outlet" => RunOutlet(peer, config),
            "inlet" => await RunInletAsync(peer, config, ct).ConfigureAwait(false),
            _ => throw new ArgumentException($"unknown role '{peer.Role}' (outlet or inlet)"),
        };
        Console.WriteLine(JsonSerializer.Serialize(report, ReportJson));
        return 0;
    }

    private static PeerReport RunOutlet(PeerArguments peer, LslConfig config)
    {
        using var outlet = new StreamOutlet(new StreamInfo("bench-split", "Bench", peer.Channels, peer.Rate, ChannelFormat.Float32, peer.SourceId), maxBuffered: 30, config: config);
        var end = peer.Start + peer.Seconds;
        var meter = CpuMeter.Start(peer.Start, end);
        var sample = new float[peer.Channels];
        var warmupEnd = peer.Start - SettleSeconds;
        var next = LslClock.LocalClock();
        long pushed = 0;
        while (true)
        {
            var now = LslClock.LocalClock();
            if (now > end + 1.0)
            {
                break;
            }

            while (next <= now)
            {
                sample[0] = pushed++;
                outlet.PushSample<float>(sample, LslClock.LocalClock());
                next += 1.0 / (next < warmupEnd ? peer.WarmupRate : peer.Rate);
            }

            // Sleep to the next sample (whole milliseconds: a 1 kHz source wakes about every 1.06 ms and
            // now and then pushes two samples in a row).
            var wait = (int)Math.Ceiling((next - LslClock.LocalClock()) * 1000);
            if (wait > 0)
            {
                Thread.Sleep(Math.Min(wait, 1000));
            }
        }

        return new PeerReport("outlet", meter.CpuPerSecond(), pushed, 0, 0, 0, 0);
    }

    private static async Task<PeerReport> RunInletAsync(PeerArguments peer, LslConfig config, CancellationToken ct)
    {
        var found = await StreamResolver.ResolveByPropertyAsync("source_id", peer.SourceId, 1, StartupSeconds * 4, config, ct).ConfigureAwait(false);
        if (found.Count == 0)
        {
            throw new LslTimeoutException("the benchmark outlet was not found on loopback");
        }

        await using var inlet = new StreamInlet(found[0], config: config);
        await inlet.OpenStreamAsync(StartupSeconds * 4, ct).ConfigureAwait(false);
        var end = peer.Start + peer.Seconds;
        var meter = CpuMeter.Start(peer.Start, end);
        var latencies = new List<double>((int)(peer.Rate * peer.Seconds) + 1024);

        // A thread of its own, as an acquisition or recording app pulls: a pull blocked on a thread-pool
        // thread makes the pool add and wake compensating workers, which is the app's cost, not the inlet's.
        var puller = new Thread(() =>
        {
            var sample = new float[peer.Channels];
            double left;
            while ((left = end + 1.0 - LslClock.LocalClock()) > 0)
            {
                // Waits for the next sample, not in short slices: the pull's own wake-ups would be the idle cost.
                var ts = inlet.PullSample<float>(sample, left);
                var now = LslClock.LocalClock();
                if (ts >= peer.Start && ts <= end)
                {
                    latencies.Add(now - ts);
                }
                else if (ts > end)
                {
                    break;
                }
            }
        }) { Name = "bench-puller" };
        puller.Start();
        puller.Join();
        meter.WaitForEnd();
        latencies.Sort();
        return latencies.Count == 0
            ? new PeerReport("inlet", meter.CpuPerSecond(), 0, 0, 0, 0, 0)
            : new PeerReport("inlet", meter.CpuPerSecond(), latencies.Count, latencies[0], latencies[latencies.Count / 2],
                latencies[Math.Min(latencies.Count - 1, (int)(latencies.Count * 0.99))], latencies[^1]);
    }

    /// <summary>Reads the process's CPU time at two instants of the LSL clock from a thread that only sleeps.</summary>
    private sealed class CpuMeter
    {
        private readonly Thread _thread;
        private readonly double _start;
        private readonly double _end;
        private TimeSpan _atStart;
        private TimeSpan _atEnd;

        private CpuMeter(double start, double end)
        {
            _start = start;
            _end = end;
            _thread = new Thread(Run) { IsBackground = true, Name = "cpu-meter" };
        }

        public static CpuMeter Start(double start, double end)
        {
            var meter = new CpuMeter(start, end);
            meter._thread.Start();
            return meter;
        }

        private void Run()
        {
            SleepUntil(_start);
            _atStart = ProcessCpu();
            SleepUntil(_end);
            _atEnd = ProcessCpu();
        }

        private static void SleepUntil(double when)
        {
            double left;
            while ((left = when - LslClock.LocalClock()) > 0)
            {
                Thread.Sleep(TimeSpan.FromSeconds(Math.Max(left, 0.001)));
            }
        }

        private static TimeSpan ProcessCpu() => Environment.CpuUsage.TotalTime;

        public void WaitForEnd() => _thread.Join();

        public double CpuPerSecond()
        {
            WaitForEnd();
            return (_atEnd - _atStart).TotalSeconds / (_end - _start);
        }
    }
}
