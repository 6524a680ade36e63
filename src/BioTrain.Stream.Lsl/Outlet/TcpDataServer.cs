using System.Net;
using System.Net.Sockets;
using System.Text;
using BioTrain.Stream.Lsl.Protocol;

namespace BioTrain.Stream.Lsl.Outlet;

/// <summary>
/// The outlet's TCP server: info requests and data feeds. The number of open connections is capped and
/// each handshake must finish within the handshake timeout, so a connection flood cannot exhaust memory
/// or tasks; sizes of every line and header are bounded.
/// </summary>
internal sealed class TcpDataServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly OutletContext _context;
    private readonly CancellationTokenSource _stop = new();
    private int _connections;
    private long _rejected;
    private long _droppedByClosedFeeds;

    public TcpDataServer(TcpListener listener, OutletContext context)
    {
        _listener = listener;
        _context = context;
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int OpenConnections => Volatile.Read(ref _connections);

    public long RejectedConnections => Interlocked.Read(ref _rejected);

    public long DroppedByClosedFeeds => Interlocked.Read(ref _droppedByClosedFeeds);

    public async Task RunAsync()
    {
        var ct = _stop.Token;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                Socket socket;
                try
                {
                    socket = await _listener.AcceptSocketAsync(ct).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    continue;
                }

                if (Interlocked.Increment(ref _connections) > _context.Config.MaxConnections)
                {
                    Interlocked.Decrement(ref _connections);
                    Interlocked.Increment(ref _rejected);
                    socket.Dispose();
                    continue;
                }

                _ = Task.Run(() => ServeAsync(socket, ct), CancellationToken.None);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync(Socket socket, CancellationToken ct)
    {
        try
        {
            socket.NoDelay = true;
            using var stream = new NetworkStream(socket, ownsSocket: true);
            using var reader = new ProtocolReader(stream, 4096, Math.Max(65536, _context.Config.MaxHeaderLineBytes * 2));
            using var handshake = CancellationTokenSource.CreateLinkedTokenSource(ct);
            handshake.CancelAfter(TimeSpan.FromSeconds(_context.Config.HandshakeTimeout));
            var config = _context.Config;
            var line = (await reader.ReadLineAsync(config.MaxHeaderLineBytes, handshake.Token).ConfigureAwait(false))?.Trim();
            switch (line)
            {
                case null:
                    return;
                case DiscoveryPacket.ShortInfoMethod:
                    var query = await reader.ReadLineAsync(config.MaxHeaderLineBytes, handshake.Token).ConfigureAwait(false) ?? string.Empty;
                    if (_context.Matcher.Matches(query))
                    {
                        await WriteAsync(stream, _context.ShortInfo, ct).ConfigureAwait(false);
                    }

                    return;
                case "LSL:fullinfo":
                    await WriteAsync(stream, _context.FullInfo, ct).ConfigureAwait(false);
                    return;
                case "LSL:streamfeed":
                    var parameters = await reader.ReadLineAsync(config.MaxHeaderLineBytes, handshake.Token).ConfigureAwait(false)
                        ?? throw new LslProtocolException(LslProtocolError.UnexpectedEndOfStream, "no 1.00 parameters");
                    var old = FeedRequest.ParseVersion100(parameters);
                    EndHandshake(handshake);
                    await StreamAsync(stream, old, new FeedNegotiation(100, ByteOrder.LittleEndian, false), textHeader: null, ct).ConfigureAwait(false);
                    return;
                default:
                    if (line.StartsWith("LSL:streamfeed/", StringComparison.Ordinal))
                    {
                        await HandleFeedRequestAsync(stream, reader, line, handshake, ct).ConfigureAwait(false);
                    }

                    return;
            }
        }
        catch (LslProtocolException)
        {
            // A malformed or hostile request: the connection is closed, nothing else happens.
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _connections);
        }
    }

    /// <summary>
    /// The request is read: its deadline no longer applies. Stops the deadline's timer, which would otherwise
    /// fire (and run a pool work item) in the middle of a feed.
    /// </summary>
    private static void EndHandshake(CancellationTokenSource handshake) => handshake.CancelAfter(Timeout.InfiniteTimeSpan);

    private async Task HandleFeedRequestAsync(NetworkStream stream, ProtocolReader reader, string line, CancellationTokenSource handshake, CancellationToken ct)
    {
        var handshakeCt = handshake.Token;
        var config = _context.Config;
        var (version, uid) = FeedRequest.ParseRequestLine(line);
        var headers = new List<string>();
        while (true)
        {
            var header = await reader.ReadLineAsync(config.MaxHeaderLineBytes, handshakeCt).ConfigureAwait(false)
                ?? throw new LslProtocolException(LslProtocolError.UnexpectedEndOfStream, "request ended before the blank line");
            if (header.Trim().Length == 0)
            {
                break;
            }

            if (headers.Count >= config.MaxHeaderLines)
            {
                throw new LslProtocolException(LslProtocolError.HeaderTooLarge, $"more than {config.MaxHeaderLines} header lines");
            }

            headers.Add(header);
        }

        var serverVersion = config.UseProtocolVersion;
        if (uid is not null && uid != _context.Info.Uid)
        {
            await WriteAsync(stream, FeedResponse.FormatError(serverVersion, 404, "Not found"), ct).ConfigureAwait(false);
            return;
        }

        var request = FeedRequest.ParseHeaders(version, uid, headers);
        if (request.Version / 100 > serverVersion / 100)
        {
            await WriteAsync(stream, FeedResponse.FormatError(serverVersion, 505, "Version not supported"), ct).ConfigureAwait(false);
            return;
        }

        var negotiation = FeedNegotiation.Negotiate(request, _context.Info.ChannelFormat, serverVersion);
        EndHandshake(handshake);
        var response = new FeedResponse
        {
            ServerVersion = serverVersion,
            Uid = _context.Info.Uid,
            ByteOrder = negotiation.ByteOrder,
            SuppressSubnormals = negotiation.SuppressSubnormals,
            DataProtocolVersion = negotiation.DataProtocolVersion,
        };
        await StreamAsync(stream, request, negotiation, response.Format(), ct).ConfigureAwait(false);
    }

    private async Task StreamAsync(NetworkStream stream, FeedRequest request, FeedNegotiation negotiation, string? textHeader, CancellationToken ct)
    {
        var info = _context.Info;
        var encoder = new FeedEncoder(negotiation.DataProtocolVersion, negotiation.Swap, info.ChannelFormat);
        var preamble = new List<byte>();
        if (textHeader is not null)
        {
            preamble.AddRange(Encoding.ASCII.GetBytes(textHeader));
        }

        if (negotiation.DataProtocolVersion < 110)
        {
            preamble.AddRange(PortableArchive.Header(_context.ShortInfo));
        }

        preamble.AddRange(encoder.TestPatterns(info.ChannelCount));
        if (request.MaxBufferLength == 0)
        {
            // liblsl: a zero buffer means "header and test patterns only".
            await stream.WriteAsync(preamble.ToArray(), ct).ConfigureAwait(false);
            return;
        }

        // Register before the header goes out, so no sample pushed after the inlet's handshake is missed.
        var consumer = _context.Ring.AddConsumer(request.MaxBufferLength, request.MaxChunkLength, encoder);
        using var session = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            await stream.WriteAsync(preamble.ToArray(), ct).ConfigureAwait(false);
            var sender = new FeedSender(_context.Ring, consumer, stream.Socket);
            var watchPeer = WatchForCloseAsync(stream, consumer, session);
            try
            {
                await sender.RunOnOwnThreadAsync(session.Token).ConfigureAwait(false);
            }
            finally
            {
                // A failed send ends the feed too; the watcher must be done before the session is disposed.
                await session.CancelAsync().ConfigureAwait(false);
                await watchPeer.ConfigureAwait(false);
            }
        }
        finally
        {
            _context.Ring.RemoveConsumer(consumer);
            Interlocked.Add(ref _droppedByClosedFeeds, consumer.Dropped);
        }
    }

    /// <summary>An inlet never sends after its request: a read that returns means it left.</summary>
    private static async Task WatchForCloseAsync(NetworkStream stream, FeedConsumer consumer, CancellationTokenSource session)
    {
        var scratch = new byte[256];
        try
        {
            while (await stream.ReadAsync(scratch, session.Token).ConfigureAwait(false) > 0)
            {
                // Ignore anything an inlet sends after the handshake.
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
        finally
        {
            await session.CancelAsync().ConfigureAwait(false);
            consumer.Signal.Set();
        }
    }

    private static async Task WriteAsync(NetworkStream stream, string text, CancellationToken ct) =>
        await stream.WriteAsync(Encoding.UTF8.GetBytes(text), ct).ConfigureAwait(false);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _listener.Dispose();
        _stop.Dispose();
    }
}
