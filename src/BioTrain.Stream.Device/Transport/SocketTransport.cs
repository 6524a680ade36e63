using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace BioTrain.Stream.Device.Transport;

/// <summary>A Unix-domain or TCP socket to a (virtual) device.</summary>
public sealed class SocketTransport : IDeviceTransport
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private int _disposed;

    private SocketTransport(Socket socket, string description)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        Input = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 65536, leaveOpen: true));
        Output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));
        Description = description;
    }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    public string Description { get; }

    public static async Task<SocketTransport> ConnectUnixAsync(string path, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
            return new SocketTransport(socket, $"unix:{path}");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static async Task<SocketTransport> ConnectTcpAsync(string host, int port, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (IPAddress.TryParse(host, out var address))
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await socket.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            }

            return new SocketTransport(socket, $"tcp:{host}:{port}");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // A client that fails its handshake disposes its transport, and so does the opener that gave it.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Input.CompleteAsync().ConfigureAwait(false);
        try
        {
            await Output.CompleteAsync().ConfigureAwait(false); // flushes what is buffered
        }
        catch (IOException)
        {
            // the peer is gone; nothing left to deliver
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // already closed by the peer
        }

        await _stream.DisposeAsync().ConfigureAwait(false);
    }
}
