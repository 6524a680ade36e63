using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using BioTrain.Stream.Daemon.Sessions;

namespace BioTrain.Stream.Daemon.Live;

/// <summary>
/// The page's view of every session as one Server-Sent Event, built at most once per interval
/// however many clients read it (each client writes the same bytes), and only while someone reads.
/// </summary>
public sealed class StatusFeed
{
    /// <summary>Five updates a second: smooth enough for traces, small enough for a phone.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    private readonly Lock _gate = new();
    private readonly IReadOnlyList<ISessionControl> _sessions;
    private readonly JsonSerializerOptions _json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals, // a NaN figure must not end the stream
    };

    private StatusFrame _current = new(-1, [], []);
    private long _builtAt = long.MinValue;

    public StatusFeed(IReadOnlyList<ISessionControl> sessions)
    {
        _sessions = sessions;
    }

    /// <summary>The latest frame, rebuilt when older than most of an interval.</summary>
    public StatusFrame Current()
    {
        lock (_gate)
        {
            var now = Stopwatch.GetTimestamp();
            if (_current.Version < 0 || Stopwatch.GetElapsedTime(_builtAt, now) >= Interval * 0.8)
            {
                var json = JsonSerializer.SerializeToUtf8Bytes(Document(), _json);
                _current = new StatusFrame(_current.Version + 1, json, Event(json));
                _builtAt = now;
            }

            return _current;
        }
    }

    /// <summary>An SSE message: <c>data: JSON</c> and a blank line (the JSON has no line breaks).</summary>
    private static byte[] Event(byte[] json)
    {
        var message = new byte[6 + json.Length + 2];
        "data: "u8.CopyTo(message);
        json.CopyTo(message, 6);
        "\n\n"u8.CopyTo(message.AsSpan(6 + json.Length));
        return message;
    }

    private StatusDocument Document() => new(
        DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        [.. _sessions.Select(s => new StatusEntry(s.Status, (s as ILiveSession)?.Live))]);
}

/// <summary>One snapshot: its number, the JSON document, and the same as an SSE message.</summary>
public sealed record StatusFrame(long Version, byte[] Json, byte[] Event);

/// <summary>The event's document: when (Unix ms) and every session.</summary>
public sealed record StatusDocument(long At, IReadOnlyList<StatusEntry> Sessions);

public sealed record StatusEntry(SessionStatus Status, LiveSnapshot? Live);
