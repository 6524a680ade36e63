using BioTrain.Stream.Lsl;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Discovery;
using BioTrain.Stream.Lsl.Info;
using BioTrain.Stream.Lsl.Inlet;

namespace BioTrain.Stream.Recording.Tests;

/// <summary>
/// An inlet on a replayed stream that keeps everything it receives: raw timestamps (no post-processing),
/// values as double (numeric streams) or text (string streams), and the full info from the outlet.
/// </summary>
internal sealed class Collector : IAsyncDisposable
{
    private readonly StreamInlet _inlet;
    private readonly CancellationTokenSource _stop = new();
    private Task _pulling = Task.CompletedTask;

    private Collector(StreamInlet inlet, StreamInfo fullInfo)
    {
        _inlet = inlet;
        FullInfo = fullInfo;
    }

    public StreamInfo FullInfo { get; }

    public List<double> Timestamps { get; } = [];

    /// <summary>Numeric values, interleaved sample-major.</summary>
    public List<double> Values { get; } = [];

    /// <summary>String values, interleaved sample-major.</summary>
    public List<string> Texts { get; } = [];

    public int Count
    {
        get
        {
            lock (Timestamps)
            {
                return Timestamps.Count;
            }
        }
    }

    /// <summary>Finds every stream whose source_id is given, opens an inlet on each and starts pulling.</summary>
    public static async Task<Dictionary<string, Collector>> OpenAsync(IEnumerable<string> sourceIds, LslConfig config, CancellationToken ct)
    {
        var wanted = sourceIds.ToHashSet();
        var found = new Dictionary<string, StreamInfo>();
        while (found.Count < wanted.Count)
        {
            ct.ThrowIfCancellationRequested();
            foreach (var info in await StreamResolver.ResolveAllAsync("", 0.5, config, ct))
            {
                if (wanted.Contains(info.SourceId))
                {
                    found[info.SourceId] = info;
                }
            }
        }
        var collectors = new Dictionary<string, Collector>();
        foreach (var (sourceId, info) in found)
        {
            var inlet = new StreamInlet(info, config: config);
            await inlet.OpenStreamAsync(TestLsl.Patience, ct);
            var collector = new Collector(inlet, await inlet.GetFullInfoAsync(TestLsl.Patience, ct));
            collector._pulling = Task.Run(() => collector.PullAsync(collector._stop.Token), CancellationToken.None);
            collectors[sourceId] = collector;
        }
        return collectors;
    }

    /// <summary>Waits until <paramref name="count"/> samples have arrived.</summary>
    public async Task WaitForAsync(int count, CancellationToken ct)
    {
        while (Count < count)
        {
            await Task.Delay(10, ct);
        }
    }

    private async Task PullAsync(CancellationToken ct)
    {
        var channels = FullInfo.ChannelCount;
        var stamps = new double[4096];
        var numbers = new double[4096 * channels];
        var texts = new string[4096 * channels];
        while (!ct.IsCancellationRequested)
        {
            var n = FullInfo.ChannelFormat == ChannelFormat.String
                ? _inlet.PullChunk(texts, stamps, 0.05)
                : _inlet.PullChunk<double>(numbers, stamps, 0.05);
            if (n == 0)
            {
                await Task.Yield();
                continue;
            }
            lock (Timestamps)
            {
                Timestamps.AddRange(stamps.AsSpan(0, n));
                if (FullInfo.ChannelFormat == ChannelFormat.String)
                {
                    Texts.AddRange(texts.AsSpan(0, n * channels));
                }
                else
                {
                    Values.AddRange(numbers.AsSpan(0, n * channels));
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _pulling;
        await _inlet.DisposeAsync();
        _stop.Dispose();
    }
}
