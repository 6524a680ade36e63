using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Lsl;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Discovery;
using BioTrain.Stream.Lsl.Inlet;

namespace BioTrain.Stream.Scenarios.Demo;

/// <summary>
/// A consumer of the demo's streams, as a control app would be: the predicted-class markers and the
/// replayed cues, both clock-corrected to this host. Scores predictions against the trial each
/// window falls in, and measures end-to-end latency as received here.
/// </summary>
internal sealed class PredictionWatch : IDisposable
{
    private readonly LslConfig _lsl;
    private readonly SessionOptions _session;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(double Timestamp, string Value, double ReceivedAt)> _predictions = [];
    private readonly List<(double Timestamp, string Value)> _cues = [];
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _cuesOpen = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PredictionWatch(LslConfig lsl, SessionOptions session)
    {
        _lsl = lsl;
        _session = session;
    }

    public Task RunAsync(CancellationToken cancellationToken)
    {
        var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token).Token;
        // Each watcher blocks in its pulls: a thread of its own, not one of the pool's few (a blocked
        // pool thread delays every continuation of the daemon in this process, the inlet's included).
        return Task.WhenAll(
            Watch($"name='{_session.Output.Name}-Markers'", true, linked),
            Watch(_session.Markers.Query, false, linked));
    }

    private Task Watch(string query, bool predictions, CancellationToken ct) =>
        Task.Factory.StartNew(() => WatchAsync(query, predictions, ct).GetAwaiter().GetResult(), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public void Stop() => _stop.Cancel();

    /// <summary>Completes once the cue stream is open here, so that no cue is missed when the replay starts.</summary>
    public Task CuesOpen => _cuesOpen.Task;

    private async Task WatchAsync(string query, bool predictions, CancellationToken ct)
    {
        try
        {
            var found = await StreamResolver.ResolveByPredicateAsync(query, 1, LslConstants.Forever, _lsl, ct).ConfigureAwait(false);
            await using var inlet = new StreamInlet(found[0], processing: ProcessingOptions.ClockSync, config: _lsl);
            await inlet.OpenStreamAsync(10, ct).ConfigureAwait(false);
            if (!predictions)
            {
                _cuesOpen.TrySetResult();
            }

            var value = new string[1];
            while (!ct.IsCancellationRequested)
            {
                var ts = inlet.PullSample(value, 0.1);
                if (ts == 0)
                {
                    continue;
                }

                lock (_gate)
                {
                    if (predictions)
                    {
                        _predictions.Add((ts, value[0], LslClock.LocalClock()));
                    }
                    else
                    {
                        _cues.Add((ts, value[0]));
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            _cuesOpen.TrySetCanceled(ct);
        }
    }

    /// <summary>Seconds from each window's last input sample to its prediction arriving here.</summary>
    public List<double> Latencies()
    {
        lock (_gate)
        {
            return [.. _predictions.Select(p => p.ReceivedAt - p.Timestamp)];
        }
    }

    /// <summary>
    /// Accuracy of predictions made after <paramref name="calibratedAt"/> whose whole window lies in
    /// the imagery part [cue + start, cue + end] of a test trial: a trial whose place in its replay
    /// pass (<paramref name="trialsPerPass"/> cues each) is at or after <paramref name="firstTestTrial"/>,
    /// so no calibration trial counts, in any pass.
    /// </summary>
    public (int Count, double? Accuracy) Score(double calibratedAt, int firstTestTrial, int trialsPerPass, double windowSeconds, double start, double end)
    {
        lock (_gate)
        {
            var hits = 0;
            var count = 0;
            foreach (var (ts, value, _) in _predictions)
            {
                var index = _cues.FindLastIndex(c => c.Timestamp <= ts - windowSeconds);
                if (index < 0 || index % trialsPerPass < firstTestTrial)
                {
                    continue;
                }

                var cue = _cues[index];
                if (ts - windowSeconds < calibratedAt || ts - windowSeconds < cue.Timestamp + start || ts > cue.Timestamp + end)
                {
                    continue;
                }

                count++;
                hits += cue.Value == value ? 1 : 0;
            }

            return (count, count == 0 ? null : (double)hits / count);
        }
    }

    public void Dispose() => _stop.Dispose();
}
