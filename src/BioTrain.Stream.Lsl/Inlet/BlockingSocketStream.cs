using System.Net;
using System.Net.Sockets;

namespace BioTrain.Stream.Lsl.Inlet;

/// <summary>
/// A stream over a TCP socket that is only ever used with blocking calls, so the runtime never registers
/// it with its epoll thread. (Once a socket has seen one async call, every arrival on it becomes an epoll
/// event handed to the thread pool: at 1 kHz that costs a pool worker's wake-up and spin per sample.)
/// Its async methods complete synchronously, so the async handshake code runs on the calling thread.
/// Reads and writes fail with <see cref="SocketError.TimedOut"/> after the deadline, if one is set.
/// </summary>
internal sealed class BlockingSocketStream : NetworkStream
{
    private double _deadline = double.PositiveInfinity;

    public BlockingSocketStream(Socket socket)
        : base(socket, ownsSocket: true)
    {
    }

    /// <summary>
    /// Connects with a blocking connect(2) bounded by SO_SNDTIMEO (Linux applies it to connect). Not a
    /// non-blocking connect and poll: .NET keeps a socket that was once non-blocking so for good and then
    /// emulates blocking calls through its epoll thread, the very cost this type avoids.
    /// </summary>
    public static Socket Connect(IPEndPoint endPoint, double timeoutSeconds, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.SendTimeout = (int)Math.Clamp(Math.Ceiling(timeoutSeconds * 1000), 1, int.MaxValue);
            socket.Connect(endPoint);
            ct.ThrowIfCancellationRequested();
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Bounds every following read and write to end by <paramref name="seconds"/> from now (null: no bound).</summary>
    public void SetDeadline(double? seconds)
    {
        _deadline = seconds is null ? double.PositiveInfinity : LslClock.LocalClock() + seconds.Value;
        if (seconds is null)
        {
            Socket.ReceiveTimeout = 0;
            Socket.SendTimeout = 0;
        }
    }

    private void ApplyDeadline()
    {
        if (double.IsPositiveInfinity(_deadline))
        {
            return;
        }

        var left = (int)Math.Ceiling((_deadline - LslClock.LocalClock()) * 1000);
        if (left <= 0)
        {
            throw new IOException("deadline passed", new SocketException((int)SocketError.TimedOut));
        }

        Socket.ReceiveTimeout = left;
        Socket.SendTimeout = left;
    }

    // Straight to the socket: NetworkStream's span overloads call back into the array ones of a derived type.
    public override int Read(Span<byte> buffer)
    {
        ApplyDeadline();
        try
        {
            return Socket.Receive(buffer);
        }
        catch (SocketException e)
        {
            throw new IOException(e.Message, e);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ApplyDeadline();
        try
        {
            while (buffer.Length > 0)
            {
                buffer = buffer[Socket.Send(buffer)..];
            }
        }
        catch (SocketException e)
        {
            throw new IOException(e.Message, e);
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }
}
