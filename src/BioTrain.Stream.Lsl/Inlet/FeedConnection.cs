using System.Net;
using System.Net.Sockets;
using System.Text;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Info;
using BioTrain.Stream.Lsl.Protocol;

namespace BioTrain.Stream.Lsl.Inlet;

/// <summary>
/// An open, verified data feed from an outlet: the handshake (1.10 or 1.00) is done and both test patterns
/// matched, so what follows on <see cref="Reader"/> is samples for <see cref="Decoder"/>.
/// </summary>
internal sealed class FeedConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private TimeSpan _readTimeout;

    private FeedConnection(Socket socket, NetworkStream stream, ProtocolReader reader, SampleDecoder decoder)
    {
        _socket = socket;
        _stream = stream;
        Reader = reader;
        Decoder = decoder;
    }

    public ProtocolReader Reader { get; }

    public SampleDecoder Decoder { get; }

    /// <summary>
    /// One blocking read into <see cref="Reader"/>, bounded by <paramref name="timeout"/> (SO_RCVTIMEO;
    /// <see cref="Timeout.InfiniteTimeSpan"/>: none): one system call per arrival, and the kernel wakes the
    /// receiving thread directly. False when the timeout passed with nothing read; <paramref name="endOfStream"/>
    /// when the outlet closed the connection.
    /// </summary>
    public bool TryFill(TimeSpan timeout, out bool endOfStream)
    {
        if (timeout != _readTimeout)
        {
            _socket.ReceiveTimeout = timeout == Timeout.InfiniteTimeSpan ? 0 : (int)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue);
            _readTimeout = timeout;
        }

        try
        {
            endOfStream = !Reader.Fill();
            return true;
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock })
        {
            endOfStream = false;
            return false;
        }
    }

    /// <summary>Wakes a thread blocked in a read: the socket reads as ended from now on.</summary>
    public void Abort() => Shutdown(_socket);

    /// <summary>The data endpoint of a resolved info: IPv4 when it has an address and a port, else IPv6.</summary>
    public static IPEndPoint DataEndPoint(StreamInfo info) => EndPoint(info, service: false);

    public static IPEndPoint ServiceEndPoint(StreamInfo info) => EndPoint(info, service: true);

    private static IPEndPoint EndPoint(StreamInfo info, bool service)
    {
        var v4Port = service ? info.V4ServicePort : info.V4DataPort;
        var v6Port = service ? info.V6ServicePort : info.V6DataPort;
        if (info.V4Address.Length > 0 && v4Port > 0 && IPAddress.TryParse(info.V4Address, out var v4))
        {
            return new IPEndPoint(v4, v4Port);
        }

        if (info.V6Address.Length > 0 && v6Port > 0 && IPAddress.TryParse(info.V6Address, out var v6))
        {
            return new IPEndPoint(v6, v6Port);
        }

        // A constructed, never resolved info: liblsl's dummy endpoint, which recovery replaces.
        return new IPEndPoint(IPAddress.Loopback, v4Port > 0 ? v4Port : 49999);
    }

    public static async Task<Socket> ConnectAsync(IPEndPoint endPoint, double timeoutSeconds, CancellationToken ct)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            await socket.ConnectAsync(endPoint, timeout.Token).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Fetches the full info (with desc) over TCP.</summary>
    public static async Task<StreamInfo> FetchFullInfoAsync(StreamInfo info, LslConfig config, CancellationToken ct)
    {
        using var socket = await ConnectAsync(DataEndPoint(info), config.HandshakeTimeout, ct).ConfigureAwait(false);
        using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync("LSL:fullinfo\r\n"u8.ToArray(), ct).ConfigureAwait(false);
        using var reader = new ProtocolReader(stream, 16 * 1024, config.MaxXmlBytes + 1);
        var bytes = await reader.ReadToEndAsync(config.MaxXmlBytes, ct).ConfigureAwait(false);
        var full = StreamInfo.FromXml(Encoding.UTF8.GetString(bytes), config);
        full.V4Address = info.V4Address;
        full.V6Address = info.V6Address;
        return full;
    }

    /// <summary>
    /// Connects and completes the handshake with blocking calls only (see <see cref="BlockingSocketStream"/>),
    /// so call it from the thread that will receive; the returned task is complete when it returns.
    /// </summary>
    public static async Task<FeedConnection> OpenAsync(StreamInfo info, LslConfig config, int maxBufferLength, int maxChunkLength, CancellationToken ct)
    {
        var socket = BlockingSocketStream.Connect(DataEndPoint(info), config.HandshakeTimeout, ct);
        var stream = new BlockingSocketStream(socket);
        var reader = new ProtocolReader(stream, 64 * 1024, 64 * 1024 * 1024 + config.MaxStringBytes);
        try
        {
            // Closing the inlet shuts the socket down, which ends a blocked read at once.
            using var abort = ct.Register(static s => Shutdown((Socket)s!), socket);
            stream.SetDeadline(config.HandshakeTimeout);
            var decoder = await HandshakeAsync(stream, reader, info, config, maxBufferLength, maxChunkLength, ct).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            stream.SetDeadline(null);
            return new FeedConnection(socket, stream, reader, decoder);
        }
        catch (IOException e) when (!ct.IsCancellationRequested && e.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock })
        {
            reader.Dispose();
            await stream.DisposeAsync().ConfigureAwait(false);
            throw new LslProtocolException(LslProtocolError.HandshakeTimeout, "the outlet did not complete the handshake in time", e);
        }
        catch
        {
            reader.Dispose();
            await stream.DisposeAsync().ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            throw;
        }
    }

    private static void Shutdown(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private static async Task<SampleDecoder> HandshakeAsync(System.IO.Stream stream, ProtocolReader reader, StreamInfo info, LslConfig config, int maxBufferLength, int maxChunkLength, CancellationToken ct)
    {
        var format = info.ChannelFormat;
        var version = Math.Min(config.UseProtocolVersion, info.Version);
        var request = new FeedRequest
        {
            Version = version,
            Uid = info.Uid,
            ByteOrder = ByteOrder.Native,
            EndianPerformance = FeedNegotiation.OwnEndianPerformance,
            HasIeee754Floats = true,
            SupportsSubnormals = format.IsFloatingPoint(),
            ValueSize = format == ChannelFormat.String ? 32 : format.ValueSize(), // 32 = sizeof(std::string) on 64-bit libstdc++
            MaxBufferLength = maxBufferLength,
            MaxChunkLength = maxChunkLength,
            Hostname = Dns.GetHostName(),
            SourceId = info.SourceId,
            SessionId = config.SessionId,
        };
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.Format()), ct).ConfigureAwait(false);

        var dataVersion = 100;
        var byteOrder = ByteOrder.LittleEndian;
        var suppress = false;
        if (version >= 110)
        {
            var status = await reader.ReadLineAsync(config.MaxHeaderLineBytes, ct).ConfigureAwait(false)
                ?? throw new LslProtocolException(LslProtocolError.UnexpectedEndOfStream, "the outlet closed without a reply");
            var response = FeedResponse.ParseStatus(status, LslConstants.ProtocolVersion);
            var lines = 0;
            while (true)
            {
                var line = await reader.ReadLineAsync(config.MaxHeaderLineBytes, ct).ConfigureAwait(false)
                    ?? throw new LslProtocolException(LslProtocolError.UnexpectedEndOfStream, "the reply header ended early");
                if (line.Trim().Length == 0)
                {
                    break;
                }

                if (++lines > config.MaxHeaderLines)
                {
                    throw new LslProtocolException(LslProtocolError.HeaderTooLarge, $"more than {config.MaxHeaderLines} reply header lines");
                }

                response = response.WithHeader(line, LslConstants.ProtocolVersion);
            }

            if (response.Uid.Length > 0 && !string.Equals(response.Uid, info.Uid, StringComparison.OrdinalIgnoreCase))
            {
                throw new LslProtocolException(LslProtocolError.UidMismatch, "the outlet serves another stream now");
            }

            if (response.ByteOrder is not (ByteOrder.LittleEndian or ByteOrder.BigEndian) && format.ValueSize() > 1)
            {
                throw new LslProtocolException(LslProtocolError.InvalidByteOrder, $"byte order {response.ByteOrder}");
            }

            dataVersion = response.DataProtocolVersion;
            byteOrder = response.ByteOrder;
            suppress = response.SuppressSubnormals;
        }

        if (dataVersion < 110)
        {
            await ReadArchiveHeaderAsync(reader, info, config, ct).ConfigureAwait(false);
            byteOrder = ByteOrder.LittleEndian;
        }

        var decoder = new SampleDecoder(dataVersion, byteOrder != ByteOrder.Native && format.ValueSize() > 1, suppress, format, config.MaxStringBytes);
        await VerifyTestPatternsAsync(reader, decoder, info, ct).ConfigureAwait(false);
        return decoder;
    }

    private static async Task ReadArchiveHeaderAsync(ProtocolReader reader, StreamInfo info, LslConfig config, CancellationToken ct)
    {
        await reader.EnsureAsync(1, ct).ConfigureAwait(false);
        if (reader.Buffered[0] != PortableArchive.Magic)
        {
            throw new LslProtocolException(LslProtocolError.InvalidArchive, $"archive magic {reader.Buffered[0]:X2}");
        }

        reader.Consume(1);
        while (true)
        {
            if (PortableArchive.TryReadInteger(reader.Buffered, 4, signed: true, out _, out var n))
            {
                reader.Consume(n);
                break;
            }

            await reader.EnsureAsync(reader.BufferedCount + 1, ct).ConfigureAwait(false);
        }

        string xml;
        while (true)
        {
            if (PortableArchive.TryReadString(reader.Buffered, config.MaxXmlBytes, out xml, out var n))
            {
                reader.Consume(n);
                break;
            }

            await reader.EnsureAsync(reader.BufferedCount + 1, ct).ConfigureAwait(false);
        }

        var embedded = StreamInfo.FromXml(xml, config);
        if (!string.Equals(embedded.Uid, info.Uid, StringComparison.OrdinalIgnoreCase))
        {
            throw new LslProtocolException(LslProtocolError.UidMismatch, "the archive header names another stream");
        }

        // Class info of the sample type: tracking flag and class version, both expected to be zero.
        await reader.EnsureAsync(2, ct).ConfigureAwait(false);
        if (reader.Buffered[0] != 0 || reader.Buffered[1] != 0)
        {
            throw new LslProtocolException(LslProtocolError.InvalidArchive, "unexpected sample class info");
        }

        reader.Consume(2);
    }

    private static async Task VerifyTestPatternsAsync(ProtocolReader reader, SampleDecoder decoder, StreamInfo info, CancellationToken ct)
    {
        var channels = info.ChannelCount;
        foreach (var offset in TestPattern.Offsets)
        {
            double ts;
            if (info.ChannelFormat == ChannelFormat.String)
            {
                var values = new string[channels];
                int consumed;
                while (!decoder.TryDecodeStrings(reader.Buffered, values, out ts, out _, out consumed))
                {
                    await reader.EnsureAsync(reader.BufferedCount + 1, ct).ConfigureAwait(false);
                }

                reader.Consume(consumed);
                if (!values.SequenceEqual(TestPattern.Strings(channels)))
                {
                    throw new LslProtocolException(LslProtocolError.TestPatternMismatch, "received test-pattern samples do not match");
                }
            }
            else
            {
                var values = new byte[info.SampleBytes];
                int consumed;
                while (!decoder.TryDecodeNumeric(reader.Buffered, values, out ts, out _, out consumed))
                {
                    await reader.EnsureAsync(reader.BufferedCount + 1, ct).ConfigureAwait(false);
                }

                reader.Consume(consumed);
                if (!values.AsSpan().SequenceEqual(TestPattern.Numeric(info.ChannelFormat, channels, offset)))
                {
                    throw new LslProtocolException(LslProtocolError.TestPatternMismatch, "received test-pattern samples do not match");
                }
            }

            if (ts != LslConstants.TestPatternTimestamp)
            {
                throw new LslProtocolException(LslProtocolError.TestPatternMismatch, "test-pattern timestamp does not match");
            }
        }
    }

    public void Dispose()
    {
        Reader.Dispose();
        _stream.Dispose();
        _socket.Dispose();
    }
}
