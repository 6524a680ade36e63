using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Info;

namespace BioTrain.Stream.Lsl.Discovery;

/// <summary>One-shot discovery of streams, with liblsl's query forms and timing.</summary>
public static class StreamResolver
{
    /// <summary>All streams of this session, waiting the whole <paramref name="waitTime"/> (like resolve_streams).</summary>
    public static Task<IReadOnlyList<StreamInfo>> ResolveAllAsync(double waitTime = 1.0, LslConfig? config = null, CancellationToken ct = default) =>
        ResolveAllAsync(string.Empty, waitTime, config, ct);

    /// <summary>All streams of this session matching <paramref name="predicate"/>, waiting the whole <paramref name="waitTime"/>.</summary>
    public static Task<IReadOnlyList<StreamInfo>> ResolveAllAsync(string predicate, double waitTime, LslConfig? config = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        config ??= LslConfig.Load();
        return ResolveQueryAsync(Query(config, predicate), 0, waitTime, waitTime, config, ct);
    }

    /// <summary>Streams whose <paramref name="property"/> equals <paramref name="value"/> (like resolve_byprop).</summary>
    public static Task<IReadOnlyList<StreamInfo>> ResolveByPropertyAsync(string property, string value, int minimum = 1, double timeout = LslConstants.Forever, LslConfig? config = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(property);
        ArgumentNullException.ThrowIfNull(value);
        config ??= LslConfig.Load();
        return ResolveQueryAsync($"{SessionClause(config)} and {property}='{value}'", minimum, 0, timeout, config, ct);
    }

    /// <summary>Streams matching an XPath predicate such as <c>type='EEG' and starts-with(name,'Bio')</c> (like resolve_bypred).</summary>
    public static Task<IReadOnlyList<StreamInfo>> ResolveByPredicateAsync(string predicate, int minimum = 1, double timeout = LslConstants.Forever, LslConfig? config = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        config ??= LslConfig.Load();
        return ResolveQueryAsync(Query(config, predicate), minimum, 0, timeout, config, ct);
    }

    internal static string SessionClause(LslConfig config) => $"session_id='{config.SessionId}'";

    /// <summary>The query liblsl sends for a predicate: the session clause, and the predicate if there is one.</summary>
    internal static string Query(LslConfig config, string predicate) =>
        predicate.Trim().Length == 0 ? SessionClause(config) : $"{SessionClause(config)} and {predicate}";

    /// <summary>
    /// Sends waves of <paramref name="query"/> until at least <paramref name="minimum"/> streams answered and
    /// <paramref name="minimumTime"/> passed, or <paramref name="timeout"/> seconds are over.
    /// </summary>
    internal static Task<IReadOnlyList<StreamInfo>> ResolveQueryAsync(string query, int minimum, double minimumTime, double timeout, LslConfig config, CancellationToken ct) =>
        RunWavesAsync(query, config.MulticastMinRtt, config.MulticastMinRtt, timeout, config, (session, elapsed, _) =>
            (session.Count >= minimum && session.Count > 0 && elapsed >= minimumTime) || (minimum == 0 && elapsed >= minimumTime), ct);

    /// <summary>
    /// Re-resolves a lost stream: waves 25, 50, 100 ms apart and so on up to <paramref name="waveInterval"/>
    /// (a stream that went away for a moment is back within the first waves). Done when the stream with
    /// <paramref name="uid"/> answers (but not before <paramref name="sameUidHoldOff"/> seconds: it just
    /// refused a connection and may be on its way out), or <paramref name="settle"/> seconds after the first
    /// other match (time for a second candidate of the same wave to answer, so an ambiguous identity is noticed).
    /// </summary>
    internal static Task<IReadOnlyList<StreamInfo>> ResolveForRecoveryAsync(string query, string uid, double waveInterval, double sameUidHoldOff,
        double settle, double timeout, LslConfig config, CancellationToken ct)
    {
        double? firstOther = null;
        return RunWavesAsync(query, Math.Min(0.025, waveInterval), waveInterval, timeout, config, (session, elapsed, _) =>
        {
            var same = session.Contains(uid);
            if (firstOther is null && session.Count > (same ? 1 : 0))
            {
                firstOther = elapsed;
            }

            return (same && elapsed >= sameUidHoldOff) || elapsed - firstOther >= settle;
        }, ct);
    }

    /// <summary>Waves <paramref name="firstGap"/> apart, the gap doubling up to <paramref name="waveInterval"/>, until done or timed out.</summary>
    private static async Task<IReadOnlyList<StreamInfo>> RunWavesAsync(string query, double firstGap, double waveInterval, double timeout, LslConfig config,
        Func<ResolveSession, double, double?, bool> done, CancellationToken ct)
    {
        using var session = new ResolveSession(config, query);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var receiving = session.ReceiveAsync(stop.Token);
        var start = LslClock.LocalClock();
        var nextWave = start;
        double? firstResult = null;
        var gap = firstGap;
        try
        {
            while (true)
            {
                var now = LslClock.LocalClock();
                var elapsed = now - start;
                if (firstResult is null && session.Count > 0)
                {
                    firstResult = now;
                }

                if (done(session, elapsed, now - firstResult) || elapsed >= timeout)
                {
                    break;
                }

                if (now >= nextWave)
                {
                    await session.SendWaveAsync(stop.Token).ConfigureAwait(false);
                    nextWave = now + gap;
                    gap = Math.Min(waveInterval, gap * 2);
                }

                // Woken early by a reply; otherwise at the next wave or the timeout.
                var sleep = Math.Clamp((Math.Min(nextWave, start + timeout) - now) * 1000, 1, 100);
                await session.WaitForReplyAsync(TimeSpan.FromMilliseconds(sleep), stop.Token).ConfigureAwait(false);
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await receiving.ConfigureAwait(false);
        }

        return session.Results();
    }
}
