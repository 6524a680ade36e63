using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace BioTrain.Stream.Daemon.Live;

/// <summary>
/// What a hostile or careless client of the status listener can hold: a few connections, fewer
/// event streams, and a stalled reader only until its write times out.
/// </summary>
public sealed class StatusLimits
{
    private int _connections;
    private int _streams;
    private long _refused;
    private long _stalled;

    public int MaxConnections { get; init; } = 32;

    public int MaxStreams { get; init; } = 8;

    /// <summary>A client that does not take an event within this time is dropped (its buffered bytes with it).</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The kernel's send buffer per status connection. Left to itself Linux grows it to megabytes for a
    /// reader that does not read, so a stalled client would hold that much and be noticed only after
    /// tens of seconds; a few events' worth is plenty for a reader that keeps up.
    /// </summary>
    public int SendBufferBytes { get; init; } = 64 * 1024;

    /// <summary>Connections open on the status listener.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public int Streams => Volatile.Read(ref _streams);

    /// <summary>Event streams refused because <see cref="MaxStreams"/> were open.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Event streams dropped because their reader stalled.</summary>
    public long Stalled => Interlocked.Read(ref _stalled);

    /// <summary>Kestrel connection middleware for the status listener: past the cap a connection is closed at once.</summary>
    public ConnectionDelegate CapConnections(ConnectionDelegate next) => async connection =>
    {
        if (Interlocked.Increment(ref _connections) > MaxConnections)
        {
            Interlocked.Decrement(ref _connections);
            connection.Abort(new ConnectionAbortedException($"the status listener has {MaxConnections} connections open"));
            return;
        }

        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _connections);
        }
    };

    /// <summary>Kestrel connection middleware for the status listener: fixes the socket's send buffer at <see cref="SendBufferBytes"/>.</summary>
    public ConnectionDelegate BoundSendBuffer(ConnectionDelegate next) => connection =>
    {
        if (connection.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
        {
            socket.SendBufferSize = SendBufferBytes;
        }

        return next(connection);
    };

    public bool TryOpenStream()
    {
        if (Interlocked.Increment(ref _streams) > MaxStreams)
        {
            Interlocked.Decrement(ref _streams);
            Interlocked.Increment(ref _refused);
            return false;
        }

        return true;
    }

    public void CloseStream() => Interlocked.Decrement(ref _streams);

    public void ReaderStalled() => Interlocked.Increment(ref _stalled);
}
