using System.Buffers;
using System.Net.Sockets;

namespace BioTrain.Stream.Lsl.Outlet;

/// <summary>
/// Moves one consumer's samples from the ring to its socket on a thread of its own: encode a batch under
/// the ring's lock into a pooled buffer, write it with a blocking send, repeat; sleep on the consumer's
/// signal when nothing is pending. A push wakes this thread directly (no thread-pool hop, no spinning
/// pool worker), as liblsl's per-connection thread does. No allocation per sample.
/// </summary>
internal sealed class FeedSender
{
    private readonly OutletRing _ring;
    private readonly FeedConsumer _consumer;
    private readonly NetworkStream _stream;

    public FeedSender(OutletRing ring, FeedConsumer consumer, NetworkStream stream)
    {
        _ring = ring;
        _consumer = consumer;
        _stream = stream;
    }

    /// <summary>Runs <see cref="Run"/> on a dedicated thread; completes when the feed ends.</summary>
    public Task RunOnOwnThreadAsync(CancellationToken ct) =>
        Task.Factory.StartNew(() => Run(ct), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public void Run(CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(256 * 1024);

        // Cancellation wakes the thread, and shuts the socket down in case it is stuck in a send to an inlet
        // that stopped reading.
        using var wake = ct.Register(static s =>
        {
            var sender = (FeedSender)s!;
            sender._consumer.Signal.Set();
            try
            {
                sender._stream.Socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }, this);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var n = _ring.Read(_consumer, buffer, out var needed);
                if (needed > 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(needed);
                    continue;
                }

                if (n == 0)
                {
                    _consumer.Signal.Wait(Timeout.InfiniteTimeSpan);
                    continue;
                }

                _stream.Write(buffer, 0, n);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
