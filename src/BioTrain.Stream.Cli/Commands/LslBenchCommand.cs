using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using BioTrain.Stream.Lsl;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Discovery;
using BioTrain.Stream.Lsl.Info;
using BioTrain.Stream.Lsl.Inlet;
using BioTrain.Stream.Lsl.Outlet;

namespace BioTrain.Stream.Cli.Commands;

/// <summary>
/// <c>biotrain bench lsl [--quick]</c>: outlet → inlet on 127.0.0.1 in one process. Throughput (samples/s,
/// MB/s of payload) for 8/64 ch float32 at chunk sizes 1/32/512 pushed as fast as possible; latency
/// (push_sample at 1 kHz → blocking pull_sample, median/p99/mean/max); allocated bytes per sample on
/// the pushing and the pulling thread. liblsl's figures from lsl-protocol.md §7.1 are printed beside them.
/// </summary>
internal static class LslBenchCommand
{
    private static readonly int[] ChannelCases = [8, 64];
    private static readonly int[] ChunkCases = [1, 32, 512];

    private static readonly string[] Roles = ["outlet", "inlet"];

    // In-process cases: firstPort .. firstPort + 16; separate processes: the same 17 ports SplitPortOffset higher.
    private const int DefaultPort = 26571;
    private const int SplitPortOffset = 30;
    private const int PortsUsed = SplitPortOffset + 17;

    // Samples in flight from push to pull at most in the throughput cases.
    private const long MaxInFlight = 100_000;

    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "Shorter runs (a few seconds in all)" };
        var split = new Option<bool>("--split") { Description = "Only the cases with outlet and inlet in separate processes (latency and CPU)" };
        var role = new Option<string>("--role") { Hidden = true };
        role.AcceptOnlyFromAmong(Roles);
        var channels = new Option<int>("--channels") { Hidden = true };
        var rate = new Option<double>("--rate") { Hidden = true };
        var warmupRate = new Option<double>("--warmup-rate") { Hidden = true };
        var start = new Option<double>("--start") { Hidden = true };
        var peerSeconds = new Option<double>("--seconds") { Hidden = true };
        var sourceId = new Option<string>("--source-id") { Hidden = true };
        var port = new Option<int>("--port") { Description = $"First of the {PortsUsed} ports on 127.0.0.1 the benchmark uses", DefaultValueFactory = _ => DefaultPort };
        var command = new Command("lsl", "Measure LSL throughput, latency, allocations and CPU on loopback.") { quick, split, role, channels, rate, warmupRate, start, peerSeconds, sourceId, port };
        command.SetAction((parse, ct) => LslCommands.Run(async () =>
        {
            if (parse.GetValue(role) is { } peerRole)
            {
                return await LslProcessBench.RunPeerAsync(new LslProcessBench.PeerArguments(peerRole, parse.GetValue(channels), parse.GetValue(rate),
                    parse.GetValue(warmupRate), parse.GetValue(start), parse.GetValue(peerSeconds), parse.GetValue(sourceId) ?? string.Empty, parse.GetValue(port)), ct).ConfigureAwait(false);
            }

            var isQuick = parse.GetValue(quick);
            var firstPort = parse.GetValue(port);
            if (parse.GetValue(split))
            {
                await SplitAsync(isQuick, firstPort + SplitPortOffset, ct).ConfigureAwait(false);
                return 0;
            }

            var seconds = isQuick ? 0.5 : 2.0;
            var latencySamples = isQuick ? 500 : 3000;
            // A port block of its own, machine scope, IPv4 on loopback only: nothing leaves the host.
            var config = LslConfig.MachineOnly(firstPort, firstPort + 1, 16);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"LSL loopback benchmark, {Environment.ProcessorCount} cores, .NET {Environment.Version}, {(isQuick ? "quick" : "full")} ({seconds} s per throughput case, {latencySamples} latency samples)"));
            Console.WriteLine();
            Console.WriteLine($"{"throughput (float32)",-28} {"Msamples/s",11} {"MB/s",9} {"dropped",9} {"B/sample push",14} {"B/sample pull",14} {"B/sample all",13}");
            foreach (var channels in ChannelCases)
            {
                foreach (var chunk in ChunkCases)
                {
                    var r = await ThroughputAsync(config, channels, chunk, seconds, ct).ConfigureAwait(false);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{$"{channels} ch, chunk {chunk}",-28} {r.SamplesPerSecond / 1e6,11:0.000} {r.SamplesPerSecond * channels * 4 / 1e6,9:0.0} {r.Dropped,9} {r.PushBytesPerSample,14:0.00} {r.PullBytesPerSample,14:0.00} {r.ProcessBytesPerSample,13:0.00}"));
                }
            }

            Console.WriteLine("liblsl 1.16.2 (published, same kind of 2-core box): 8 ch chunk 1000 ~3.3 Msamples/s (~105 MB/s); 64 ch ~2.35 Msamples/s (~600 MB/s)");
            Console.WriteLine();
            Console.WriteLine($"{"latency push->pull @1 kHz",-28} {"min µs",8} {"median µs",10} {"p99 µs",9} {"mean µs",9} {"max µs",9} {"B/sample push",14} {"B/sample pull",14}");
            foreach (var channels in ChannelCases)
            {
                var r = await LatencyAsync(config, channels, latencySamples, ct).ConfigureAwait(false);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{$"{channels} ch float32",-28} {r.Min * 1e6,8:0.0} {r.Median * 1e6,10:0.0} {r.P99 * 1e6,9:0.0} {r.Mean * 1e6,9:0.0} {r.Max * 1e6,9:0.0} {r.PushBytesPerSample,14:0.00} {r.PullBytesPerSample,14:0.00}"));
            }

            Console.WriteLine("liblsl 1.16.2 (published): mean 76 µs (min 29, max 3800) with 8 ch; mean 98 µs (min 44, max 1300) with 64 ch");
            Console.WriteLine();
            await SplitAsync(isQuick, firstPort + SplitPortOffset, ct).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    /// <summary>Outlet and inlet in separate processes: latency and each process's CPU-seconds per second.</summary>
    private static async Task SplitAsync(bool isQuick, int multicastPort, CancellationToken ct)
    {
        LslProcessBench.Case[] cases =
        [
            new("8 ch float32 @ 1 kHz", 8, 1000, 1000, isQuick ? 1 : 3, isQuick ? 3 : 10),
            new("8 ch float32 @ 1 Hz (idle)", 8, 1, 1000, isQuick ? 3 : 5, isQuick ? 5 : 20),
        ];
        Console.WriteLine($"{"separate processes",-28} {"outlet CPU s/s",15} {"inlet CPU s/s",14} {"samples",8} {"min µs",8} {"median µs",10} {"p99 µs",9} {"max µs",9}");
        foreach (var c in cases)
        {
            // A port block of its own (not the one of the in-process cases above), machine scope, 127.0.0.1 only.
            var (outlet, inlet) = await LslProcessBench.RunCaseAsync(c, multicastPort, ct).ConfigureAwait(false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{c.Label,-28} {outlet.CpuPerSecond,15:0.0000} {inlet.CpuPerSecond,14:0.0000} {inlet.Samples,8} {inlet.Min * 1e6,8:0.0} {inlet.Median * 1e6,10:0.0} {inlet.P99 * 1e6,9:0.0} {inlet.Max * 1e6,9:0.0}"));
        }

        Console.WriteLine("liblsl 1.16.2, earlier live run (not this run): 1 kHz 8 ch median 72-78 µs, p99 128-609 µs; CPU outlet 0.05, inlet 0.04 s/s at 1 kHz, 0 at 1 Hz");
    }

    private sealed record ThroughputResult(double SamplesPerSecond, long Dropped, double PushBytesPerSample, double PullBytesPerSample, double ProcessBytesPerSample);

    private sealed record LatencyResult(double Min, double Median, double P99, double Mean, double Max, double PushBytesPerSample, double PullBytesPerSample);

    private static async Task<(StreamOutlet Outlet, StreamInlet Inlet)> ConnectAsync(LslConfig config, int channels, CancellationToken ct)
    {
        var outlet = new StreamOutlet(new StreamInfo("bench", "Bench", channels, 1000, ChannelFormat.Float32, "bench-" + Guid.NewGuid().ToString("N")), maxBuffered: 30, config: config);
        var found = await StreamResolver.ResolveByPropertyAsync("uid", outlet.Info.Uid, 1, 10, config, ct).ConfigureAwait(false);
        if (found.Count == 0)
        {
            outlet.Dispose();
            throw new LslTimeoutException("the benchmark outlet was not found on loopback");
        }

        var inlet = new StreamInlet(found[0], config: config);
        await inlet.OpenStreamAsync(10, ct).ConfigureAwait(false);
        await outlet.WaitForConsumersAsync(TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
        return (outlet, inlet);
    }

    private static async Task<ThroughputResult> ThroughputAsync(LslConfig config, int channels, int chunk, double seconds, CancellationToken ct)
    {
        var (outlet, inlet) = await ConnectAsync(config, channels, ct).ConfigureAwait(false);
        await using (inlet.ConfigureAwait(false))
        await using (outlet.ConfigureAwait(false))
        {
            // Phase 0 warms up (buffers grow, JIT settles); phase 1 is measured; phase 2 stops.
            var phase = 0;
            long pushed = 0;
            long received = 0;
            long pushedAll = 0;
            long pulledAll = 0;
            long pushAllocated = 0;
            long pullAllocated = 0;
            var pusher = new Thread(() =>
            {
                var data = new float[chunk * channels];
                for (var i = 0; i < data.Length; i++)
                {
                    data[i] = i;
                }

                var limit = Math.Max(4096, 4 * chunk);
                long before = 0;
                var seen = 0;
                while (Volatile.Read(ref phase) < 2)
                {
                    if (seen == 0 && Volatile.Read(ref phase) == 1)
                    {
                        seen = 1;
                        before = GC.GetAllocatedBytesForCurrentThread();
                    }

                    // Push as fast as the transport takes it: measure what flows, not what is dropped. A push
                    // may go straight into the socket buffers (megabytes on loopback), so what is in flight end
                    // to end is bounded too, below the inlet's buffer (360 s at 1 kHz), or a puller that falls
                    // behind would see samples dropped.
                    if (outlet.Backlog > limit || pushedAll - Volatile.Read(ref pulledAll) > MaxInFlight)
                    {
                        Thread.Yield();
                        continue;
                    }

                    outlet.PushChunk<float>(data);
                    pushed += seen * chunk;
                    Volatile.Write(ref pushedAll, pushedAll + chunk);
                }

                pushAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
            });
            var puller = new Thread(() =>
            {
                var data = new float[4096 * channels];
                var stamps = new double[4096];
                long before = 0;
                var seen = 0;
                while (Volatile.Read(ref phase) < 2)
                {
                    if (seen == 0 && Volatile.Read(ref phase) == 1)
                    {
                        seen = 1;
                        before = GC.GetAllocatedBytesForCurrentThread();
                    }

                    var n = inlet.PullChunk<float>(data, stamps, 0.05);
                    received += seen * n;
                    Volatile.Write(ref pulledAll, pulledAll + n);
                }

                pullAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
            });
            puller.Start();
            pusher.Start();
            await Task.Delay(TimeSpan.FromSeconds(seconds / 4), ct).ConfigureAwait(false);
            var dropped = outlet.DroppedSamples + inlet.DroppedSamples;
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            Volatile.Write(ref phase, 1);
            await Task.Delay(TimeSpan.FromSeconds(seconds), ct).ConfigureAwait(false);
            Volatile.Write(ref phase, 2);
            var elapsed = clock.Elapsed.TotalSeconds;
            allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            pusher.Join();
            puller.Join();
            return new ThroughputResult(received / elapsed, outlet.DroppedSamples + inlet.DroppedSamples - dropped,
                pushAllocated / (double)Math.Max(1, pushed), pullAllocated / (double)Math.Max(1, received), allocated / (double)Math.Max(1, received));
        }
    }

    private static async Task<LatencyResult> LatencyAsync(LslConfig config, int channels, int samples, CancellationToken ct)
    {
        var (outlet, inlet) = await ConnectAsync(config, channels, ct).ConfigureAwait(false);
        await using (inlet.ConfigureAwait(false))
        await using (outlet.ConfigureAwait(false))
        {
            var latencies = new double[samples];
            long pushAllocated = 0;
            long pullAllocated = 0;
            var puller = new Thread(() =>
            {
                var sample = new float[channels];
                var before = GC.GetAllocatedBytesForCurrentThread();
                for (var i = 0; i < samples; i++)
                {
                    var ts = inlet.PullSample<float>(sample, 10.0);
                    latencies[i] = LslClock.LocalClock() - ts;
                }

                pullAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
            });
            var pusher = new Thread(() =>
            {
                var sample = new float[channels];
                var before = GC.GetAllocatedBytesForCurrentThread();
                var next = LslClock.LocalClock();
                for (var i = 0; i < samples; i++)
                {
                    next += 0.001;
                    var wait = next - LslClock.LocalClock();
                    if (wait > 0)
                    {
                        Thread.Sleep(TimeSpan.FromSeconds(wait));
                    }

                    sample[0] = i;
                    outlet.PushSample<float>(sample, LslClock.LocalClock());
                }

                pushAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
            });
            puller.Start();
            pusher.Start();
            pusher.Join();
            puller.Join();
            Array.Sort(latencies);
            return new LatencyResult(latencies[0], latencies[samples / 2], latencies[(int)(samples * 0.99)], latencies.Average(), latencies[^1],
                pushAllocated / (double)samples, pullAllocated / (double)samples);
        }
    }
}
