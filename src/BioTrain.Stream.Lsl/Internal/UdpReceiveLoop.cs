using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace BioTrain.Stream.Lsl.Internal;

/// <summary>One received datagram: its bytes, sender, arrival time and, when asked for, the address it was sent to.</summary>
internal readonly record struct ReceivedDatagram(ReadOnlyMemory<byte> Packet, IPEndPoint Sender, double Arrival, IPAddress? Destination);

/// <summary>
/// Receives datagrams one at a time into one pooled buffer and hands each to a handler with its sender
/// and arrival time (taken before anything else, for time probes). Ends when the socket closes or the
/// token is cancelled; a receive error on one datagram does not end it.
/// </summary>
internal static class UdpReceiveLoop
{
    /// <param name="wantDestination">Also report each datagram's destination address (IP_PKTINFO), e.g. to tell unicast from multicast.</param>
    public static async Task RunAsync(Socket socket, int bufferSize, Func<ReceivedDatagram, CancellationToken, ValueTask> handle, CancellationToken ct, bool wantDestination = false)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
        EndPoint any = socket.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                ReceivedDatagram datagram;
                try
                {
                    var memory = buffer.AsMemory(0, bufferSize);
                    if (wantDestination)
                    {
                        var result = await socket.ReceiveMessageFromAsync(memory, SocketFlags.None, any, ct).ConfigureAwait(false);
                        datagram = new ReceivedDatagram(memory[..result.ReceivedBytes], (IPEndPoint)result.RemoteEndPoint, LslClock.LocalClock(), result.PacketInformation.Address);
                    }
                    else
                    {
                        var result = await socket.ReceiveFromAsync(memory, SocketFlags.None, any, ct).ConfigureAwait(false);
                        datagram = new ReceivedDatagram(memory[..result.ReceivedBytes], (IPEndPoint)result.RemoteEndPoint, LslClock.LocalClock(), null);
                    }
                }
                catch (SocketException)
                {
                    continue;
                }

                await handle(datagram, ct).ConfigureAwait(false);
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
