using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace BioTrain.Stream.Lsl.Internal;

/// <summary>
/// Receives datagrams one at a time into one pooled buffer and hands each to a handler with its sender
/// and arrival time (taken before anything else, for time probes). Ends when the socket closes or the
/// token is cancelled; a receive error on one datagram does not end it.
/// </summary>
internal static class UdpReceiveLoop
{
    public static async Task RunAsync(Socket socket, int bufferSize, Func<ReadOnlyMemory<byte>, IPEndPoint, double, CancellationToken, ValueTask> handle, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
        EndPoint any = socket.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                SocketReceiveFromResult result;
                try
                {
                    result = await socket.ReceiveFromAsync(buffer.AsMemory(0, bufferSize), SocketFlags.None, any, ct).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    continue;
                }

                var arrival = LslClock.LocalClock();
                await handle(buffer.AsMemory(0, result.ReceivedBytes), (IPEndPoint)result.RemoteEndPoint, arrival, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
