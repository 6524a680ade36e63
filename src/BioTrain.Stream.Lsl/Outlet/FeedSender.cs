using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;

namespace BioTrain.Stream.Lsl.Outlet;

/// <summary>How a connection's samples went out: send(2) calls made by pushing threads, wake-ups of its sender thread, all send(2) calls.</summary>
internal readonly record struct SendCounts(long PusherSends, long SenderWakes, long Writes)
{
    public static SendCounts operator +(SendCounts a, SendCounts b) =>
        new(a.PusherSends + b.PusherSends, a.SenderWakes + b.SenderWakes, a.Writes + b.Writes);
}

/// <summary>
/// Moves one consumer's samples from the ring to its socket. The socket is non-blocking, and whoever holds
/// the connection's send right encodes the pending samples into one pooled buffer and writes them:
/// <list type="bullet">
/// <item>a pushing thread, when the connection is idle (nothing unsent, nobody sending) and pushes are not
/// coming in a rush: one send(2) on the pusher's own thread, so a sample costs no thread wake-up at all
/// (<see cref="TrySendFromPusher"/>);</item>
/// <item>the connection's own thread otherwise: it is woken when a push finds the connection busy, its
/// socket full (the bytes that did not fit wait for it), its buffer too small, or the previous push less
/// than 10 µs ago; it drains everything pending per wake-up, so a rush goes out in a few large writes,
/// and waits in poll(2) while the socket is full.</item>
/// </list>
/// A push never blocks on the network. No allocation per sample.
/// </summary>
internal sealed class FeedSender
{
    private const int Free = 0;
    private const int Taken = 1;
    private const int Closed = 2;

    // Pushes that come closer together than this (counted from the end of a push's own send) go to the
    // sender thread, which then sends them in batches; one send(2) per push would cost more than it saves.
    // Further apart, the pusher's own send is cheaper than waking the sender (and quicker).
    private static readonly long DirectGapTicks = Stopwatch.Frequency / 100_000;

    private readonly OutletRing _ring;
    private readonly FeedConsumer _consumer;
    private readonly Socket _socket;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(256 * 1024);

    // The send right (Free, Taken, Closed); _buffer, _unsent* and _error belong to its holder.
    private int _state;
    private int _unsentStart;
    private int _unsentEnd;
    private SocketError _error;
    private long _lastPush;
    private long _pusherSends;
    private long _senderWakes;
    private long _writes;

    public FeedSender(OutletRing ring, FeedConsumer consumer, Socket socket)
    {
        _ring = ring;
        _consumer = consumer;
        _socket = socket;
    }

    public SendCounts Counts => new(Interlocked.Read(ref _pusherSends), Interlocked.Read(ref _senderWakes), Interlocked.Read(ref _writes));

    /// <summary>
    /// Called on a pushing thread: if the connection is idle, sends what is pending now, without blocking.
    /// False when the sender thread has to act (it holds the send right, bytes are left over, the socket
    /// is full, failed or closed): the caller then wakes it.
    /// </summary>
    public bool TrySendFromPusher()
    {
        // The sender thread is at work: it takes this sample too (the caller's signal makes it look again).
        // Checked first, as it costs less than reading the clock (about 50 ns), which a rush would pay per push.
        if (Volatile.Read(ref _state) != Free)
        {
            return false;
        }

        var now = Stopwatch.GetTimestamp();
        var rush = now - _lastPush < DirectGapTicks;
        _lastPush = now;
        if (rush)
        {
            return false;
        }

        var sent = TrySend();
        _lastPush = Stopwatch.GetTimestamp(); // the send's own time is not a pause between pushes
        return sent;
    }

    private bool TrySend()
    {
        if (Interlocked.CompareExchange(ref _state, Taken, Free) != Free)
        {
            return false;
        }

        try
        {
            if (_unsentEnd > _unsentStart || _error != SocketError.Success)
            {
                return false;
            }

            var n = _ring.Read(_consumer, _buffer, out var needed);
            if (needed > 0)
            {
                return false;
            }

            _unsentStart = 0;
            _unsentEnd = n;
            _pusherSends++;
            return TryWrite();
        }
        finally
        {
            Volatile.Write(ref _state, Free);
        }
    }

    /// <summary>Runs <see cref="Run"/> on a dedicated thread; completes when the feed ends.</summary>
    public Task RunOnOwnThreadAsync(CancellationToken ct) =>
        Task.Factory.StartNew(() => Run(ct), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>
    /// The sender thread: sleeps until a push hands work over, then drains. Ends on cancellation (which
    /// also shuts the socket down, in case it waits for room an inlet that stopped reading never makes) or
    /// throws <see cref="SocketException"/> when the connection fails.
    /// </summary>
    public void Run(CancellationToken ct)
    {
        // From here on pushes may send: the feed header is out, and no send may block a pusher.
        _socket.Blocking = false;
        _consumer.Attach(this);
        using var wake = ct.Register(static s => ((FeedSender)s!).Abort(), this);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                _consumer.Signal.Wait(Timeout.InfiniteTimeSpan);
                Acquire(Taken);
                try
                {
                    _senderWakes++;
                    Drain(ct);
                }
                finally
                {
                    Volatile.Write(ref _state, Free);
                }
            }
        }
        catch (SocketException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            // Pushers that still hold a reference find the right closed and leave the buffer alone.
            _consumer.Detach(this);
            Acquire(Closed);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    private void Abort()
    {
        _consumer.Signal.Set();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Takes the send right from Free; a pusher holds it only for one non-blocking send, so spin.</summary>
    private void Acquire(int state)
    {
        var spin = default(SpinWait);
        while (Interlocked.CompareExchange(ref _state, state, Free) != Free)
        {
            spin.SpinOnce();
        }
    }

    /// <summary>Writes what is left over, then everything pending, waiting for room when the socket is full.</summary>
    private void Drain(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            if (_error != SocketError.Success)
            {
                throw new SocketException((int)_error);
            }

            if (_unsentEnd > _unsentStart)
            {
                if (!TryWrite() && _error == SocketError.Success)
                {
                    _socket.Poll(-1, SelectMode.SelectWrite);
                }

                continue;
            }

            var n = _ring.Read(_consumer, _buffer, out var needed);
            if (needed > 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = ArrayPool<byte>.Shared.Rent(needed);
                continue;
            }

            if (n == 0)
            {
                return;
            }

            _unsentStart = 0;
            _unsentEnd = n;
        }
    }

    /// <summary>Non-blocking writes of the unsent bytes; false when the socket is full or failed (see <see cref="_error"/>).</summary>
    private bool TryWrite()
    {
        while (_unsentEnd > _unsentStart)
        {
            _writes++;
            var sent = _socket.Send(_buffer.AsSpan(_unsentStart, _unsentEnd - _unsentStart), SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
            {
                return false;
            }

            if (error != SocketError.Success)
            {
                _error = error;
                return false;
            }

            _unsentStart += sent;
        }

        return true;
    }
}
