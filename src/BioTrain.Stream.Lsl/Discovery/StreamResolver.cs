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
    internal static async Task<IReadOnlyList<StreamInfo>> ResolveQueryAsync(string query, int minimum, double minimumTime, double timeout, LslConfig config, CancellationToken ct)
    {
        using var session = new ResolveSession(config, query);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var receiving = session.ReceiveAsync(stop.Token);
        var start = LslClock.LocalClock();
        var nextWave = start;
        try
        {
            while (true)
            {
                var now = LslClock.LocalClock();
                var elapsed = now - start;
                if ((session.Count >= minimum && session.Count > 0 && elapsed >= minimumTime) ||
                    (minimum == 0 && elapsed >= minimumTime) || elapsed >= timeout)
                {
                    break;
                }

                if (now >= nextWave)
                {
                    await session.SendWaveAsync(stop.Token).ConfigureAwait(false);
                    nextWave = now + config.MulticastMinRtt;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp((Math.Min(nextWave, start + timeout) - now) * 1000, 1, 20)), stop.Token).ConfigureAwait(false);
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
