using BioTrain.Stream.Daemon.Sessions;
using BioTrain.Stream.Pipeline;

namespace BioTrain.Stream.Daemon.Live;

/// <summary>
/// The recent past of one session for the status page, bounded: the signal's last seconds, the
/// last 60 predictions with their probabilities (15 s at a 0.25 s stride), the last 50 rounds.
/// Fed from the pipeline, the device's owner and the controller on their threads; read by the page.
/// </summary>
public sealed class SessionLive
{
    private const int PredictionHistory = 60;
    private const int RoundHistory = 50;
    private const double RateWindowSeconds = 5;
    private readonly Lock _gate = new();
    private readonly IReadOnlyList<string> _classes;
    private readonly Queue<(double At, LivePrediction Prediction, double Host, double Device)> _predictions = new();
    private readonly Queue<RoundRecord> _rounds = new();
    private TraceRing? _traces;
    private IReadOnlyList<string> _channels = [];

    public SessionLive(IReadOnlyList<string> classes)
    {
        _classes = classes;
    }

    /// <summary>The session's streams are open: its preprocessed channels and their rate.</summary>
    public void Begin(IReadOnlyList<string> channels, double rate)
    {
        lock (_gate)
        {
            _channels = channels;
            _traces = new TraceRing(channels.Count, rate);
        }
    }

    /// <summary>A preprocessed chunk (borrowed: read now, not kept).</summary>
    public void OnSignal(SignalChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        lock (_gate)
        {
            _traces?.Add(chunk);
        }
    }

    /// <summary>A published prediction; times in seconds, <paramref name="at"/> on the LSL clock.</summary>
    public void OnPrediction(double at, int predicted, ReadOnlySpan<float> probabilities, double endToEnd, double host, double device)
    {
        var rounded = new float[probabilities.Length];
        for (var i = 0; i < rounded.Length; i++)
        {
            rounded[i] = MathF.Round(probabilities[i], 3); // three decimals are all a screen shows
        }

        lock (_gate)
        {
            if (_predictions.Count == PredictionHistory)
            {
                _predictions.Dequeue();
            }

            _predictions.Enqueue((at, new LivePrediction(0, predicted, rounded, endToEnd * 1e3), host, device));
        }
    }

    public void OnRound(RoundRecord round)
    {
        lock (_gate)
        {
            if (_rounds.Count == RoundHistory)
            {
                _rounds.Dequeue();
            }

            _rounds.Enqueue(round);
        }
    }

    /// <summary>The subject was reset: its rounds trained weights that are gone.</summary>
    public void ForgetRounds()
    {
        lock (_gate)
        {
            _rounds.Clear();
        }
    }

    /// <summary>The page's view now (<paramref name="now"/> on the LSL clock), with the figures the session keeps elsewhere.</summary>
    public LiveSnapshot Snapshot(double now, SessionState state, LiveDrops dropped, LiveDevice device)
    {
        lock (_gate)
        {
            var predictions = _predictions.Select(p => p.Prediction with { Age = Math.Round(Math.Max(0, now - p.At), 3) }).ToArray();
            var recent = _predictions.Count(p => now - p.At <= RateWindowSeconds);
            var signal = _traces is { } t ? new LiveSignal(_channels, t.PointsPerSecond, t.Snapshot()) : null;
            return new LiveSnapshot(
                state.Words(), _classes, signal, predictions, recent / RateWindowSeconds, Latency(), dropped, device, [.. _rounds]);
        }
    }

    private LiveLatency Latency()
    {
        if (_predictions.Count == 0)
        {
            return new LiveLatency(null, null, null, null, null);
        }

        var e2e = _predictions.Select(p => p.Prediction.LatencyMs).Order().ToArray();
        return new LiveLatency(
            Round(_predictions.Last().Prediction.LatencyMs),
            Round(Quantile(e2e, 0.5)),
            Round(Quantile(e2e, 0.99)),
            Round(Quantile([.. _predictions.Select(p => p.Host * 1e3).Order()], 0.5)),
            Round(Quantile([.. _predictions.Select(p => p.Device * 1e3).Order()], 0.5)));
    }

    /// <summary>Nearest rank of sorted values.</summary>
    private static double Quantile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static double Round(double ms) => Math.Round(ms, 2);
}
