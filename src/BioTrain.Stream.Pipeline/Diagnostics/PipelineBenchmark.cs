using System.Diagnostics;
using System.Reactive.Subjects;
using BioTrain.Stream.Pipeline.Dsp;
using BioTrain.Stream.Pipeline.Epochs;
using BioTrain.Stream.Pipeline.Metrics;
using BioTrain.Stream.Pipeline.Operators;

namespace BioTrain.Stream.Pipeline.Diagnostics;

/// <summary>One measured chain.</summary>
/// <param name="Name">What the chain does.</param>
/// <param name="ChannelSamplesPerSecond">Median throughput per core: channel-samples over the thread's CPU time (wall time where that is not available).</param>
/// <param name="WallChannelSamplesPerSecond">The same over wall time (lower on a machine busy with other work).</param>
/// <param name="RealTimeFactor">Throughput over the stream's real-time rate (channels x rate): how many such streams one core keeps up with.</param>
/// <param name="BytesPerChunk">Managed bytes allocated per input chunk once warm (0 is the goal).</param>
/// <param name="Outputs">Windows or epochs emitted per run.</param>
public sealed record PipelineBenchCase(string Name, double ChannelSamplesPerSecond, double WallChannelSamplesPerSecond, double RealTimeFactor, double BytesPerChunk, long Outputs);

/// <summary>The figures of <c>biotrain bench pipeline</c>.</summary>
public sealed record PipelineBenchReport(int Channels, double Rate, int ChunkSamples, double SecondsPerRun, int Runs, IReadOnlyList<PipelineBenchCase> Cases);

/// <summary>
/// Pushes a synthetic 64-channel 1 kHz stream in 32-sample chunks (an amplifier's usual LSL chunking)
/// through the operator chains the daemon runs, on the calling thread, and measures throughput and
/// allocations. Timing is reported, never asserted.
/// </summary>
public static class PipelineBenchmark
{
    public const int Channels = 64;
    public const double Rate = 1000;
    public const int ChunkSamples = 32;

    public static PipelineBenchReport Run(bool quick, Action<string>? progress = null)
    {
        var seconds = quick ? 10 : 60;
        var runs = quick ? 3 : 9;
        var band = Butterworth.BandPass(4, 1, 40, Rate);
        var filter = band.Then(Notch.Design(50, 30, Rate));
        var classes = new Dictionary<string, int> { ["left"] = 0, ["right"] = 1 };

        var chains = new (string Name, Chain Build)[]
        {
            ("band-pass 1-40 Hz (order 4) + 50 Hz notch", (s, _, count) => s.Filter(filter).Subscribe(_ => count())),
            ("filter + windows 500/100 (0.5 s every 0.1 s)", (s, _, count) => s.Filter(filter).SlidingWindows(500, 100).Subscribe(_ => count())),
            ("track + CAR + filter + windows + z-score", (s, _, count) => s.TrackStream(new PipelineCounters()).CommonAverageReference().Filter(filter)
                .SlidingWindows(500, 100).NormalizeWindows().Subscribe(_ => count())),
            ("resample 1000 -> 250 Hz (polyphase)", (s, _, count) => s.Resample(1, 4).Subscribe(_ => count())),
            ("filter + epochs [-0.5, 2) s, a marker a second", (s, m, count) => s.Filter(filter)
                .Epochs(m, new EpochOptions { Classes = classes, TMin = -0.5, TMax = 2 }).Subscribe(_ => count())),
        };

        var cases = new List<PipelineBenchCase>();
        foreach (var (name, build) in chains)
        {
            progress?.Invoke(name);
            cases.Add(Measure(name, build, seconds, runs, TimeSpan.FromSeconds(quick ? 1 : 3)));
        }
        return new PipelineBenchReport(Channels, Rate, ChunkSamples, seconds, runs, cases);
    }

    /// <summary>Subscribes a chain to the data and marker sources, calling the counter per output.</summary>
    private delegate IDisposable Chain(IObservable<SignalChunk> data, IObservable<Marker> markers, Action count);

    private static PipelineBenchCase Measure(string name, Chain build, int seconds, int runs, TimeSpan warmUp)
    {
        using var source = new Subject<SignalChunk>();
        using var markers = new Subject<Marker>();
        long outputs = 0;
        using var subscription = build(source, markers, () => outputs++);
        using var chunk = new SignalChunk(Channels, Rate, "bench", ChunkSamples);
        chunk.SetSampleCount(ChunkSamples);
        var random = new Random(1);
        foreach (ref var v in chunk.Values)
        {
            v = (float)((random.NextDouble() * 200) - 100);
        }

        var chunksPerRun = (int)(seconds * Rate / ChunkSamples);
        var t = 0.0;
        var nextMarker = 1.0;
        void Push(int chunks)
        {
            for (var i = 0; i < chunks; i++)
            {
                var stamps = chunk.Timestamps;
                for (var s = 0; s < stamps.Length; s++)
                {
                    stamps[s] = t;
                    t += 1 / Rate;
                }
                source.OnNext(chunk);
                if (t >= nextMarker)
                {
                    markers.OnNext(new Marker(nextMarker - 0.3, (long)nextMarker % 2 == 0 ? "left" : "right"));
                    nextMarker += 1;
                }
            }
        }

        // Warm-up by wall time: the JIT promotes hot methods to optimised code only after they have
        // run a while (tiered compilation), so a short warm-up would measure unoptimised code.
        var warm = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(warm) < warmUp)
        {
            Push(100);
        }
        var times = new List<double>();
        var cpuTimes = new List<double>();
        var bytes = new List<double>();
        var outputsPerRun = 0L;
        for (var r = 0; r < runs; r++)
        {
            var before = outputs;
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var cpu = ThreadCpuTime.Seconds();
            var start = Stopwatch.GetTimestamp(); // no Stopwatch object: it would count as an allocation
            Push(chunksPerRun);
            times.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
            var cpuAfter = ThreadCpuTime.Seconds();
            cpuTimes.Add(cpu is { } c0 && cpuAfter is { } c1 && c1 > c0 ? c1 - c0 : times[^1]);
            bytes.Add((double)(GC.GetAllocatedBytesForCurrentThread() - allocated) / chunksPerRun);
            outputsPerRun = outputs - before;
        }
        times.Sort();
        cpuTimes.Sort();
        bytes.Sort();
        var work = (double)chunksPerRun * ChunkSamples * Channels;
        var throughput = work / cpuTimes[cpuTimes.Count / 2];
        return new PipelineBenchCase(name, throughput, work / times[times.Count / 2], throughput / (Channels * Rate), bytes[bytes.Count / 2], outputsPerRun);
    }
}
