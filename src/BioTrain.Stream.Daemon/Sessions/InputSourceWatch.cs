using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Discovery;
using BioTrain.Stream.Lsl.Info;

namespace BioTrain.Stream.Daemon.Sessions;

/// <summary>
/// Looks for streams that match a session's input query but are not the source it is bound to (another
/// name, source_id or host). LSL has no authentication, so such a stream is reported once per stream
/// (a conflict) and named in the status while it is there; the session never moves to it on its own.
/// </summary>
internal sealed class InputSourceWatch(string query, LslConfig lsl, TimeSpan interval)
{
    // A hostile peer can announce endless new uids: remembering is bounded (the count goes on).
    private const int MaxRemembered = 1024;
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private StreamInfo? _bound;
    private string? _present;

    /// <summary>Raised once per conflicting stream (by uid), on the watch's task.</summary>
    public event Action<StreamInfo>? Conflict;

    /// <summary>A conflicting stream seen at the last check, described for people; null when there was none.</summary>
    public string? Present => Volatile.Read(ref _present);

    /// <summary>The source the session reads from now (set at binding and after a recovery).</summary>
    public void Bind(StreamInfo info) => Volatile.Write(ref _bound, info);

    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await CheckAsync(ct).ConfigureAwait(false);
                await Task.Delay(interval, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    public async Task CheckAsync(CancellationToken ct)
    {
        var found = await StreamResolver.ResolveAllAsync(query, 1.0, lsl, ct).ConfigureAwait(false);
        if (Volatile.Read(ref _bound) is not { } bound)
        {
            return;
        }

        string? present = null;
        foreach (var stream in found.Where(f => !SameSource(f, bound)).OrderBy(f => f.Uid, StringComparer.Ordinal))
        {
            present ??= Describe(stream);
            if (_reported.Count >= MaxRemembered)
            {
                _reported.Clear();
            }

            if (_reported.Add(stream.Uid))
            {
                Conflict?.Invoke(stream);
            }
        }

        Volatile.Write(ref _present, present);
    }

    /// <summary>The same source: a restart of the bound stream (new uid) is not a conflict.</summary>
    public static bool SameSource(StreamInfo a, StreamInfo b) =>
        a.Name == b.Name && a.SourceId == b.SourceId && a.Hostname == b.Hostname;

    public static string Describe(StreamInfo s) =>
        $"{s.Name} (source_id '{s.SourceId}' on host '{s.Hostname}')";
}
