using System.Buffers;
using System.Net.Sockets;

namespace BioTrain.Stream.Lsl.Outlet;

/// <summary>
/// Moves one consumer's samples from the ring to its socket: encode a batch under the ring's lock into a
/// pooled buffer, write it, repeat; sleep on the consumer's signal when nothing is pending. No allocation
/// per sample.
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

    public async Task RunAsync(CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(256 * 1024);
        using var wake = ct.Register(static s => ((FeedConsumer)s!).Signal.Set(), _consumer);
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
                    await _consumer.Signal.WaitAsync().ConfigureAwait(false);
                    continue;
                }

                await _stream.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
