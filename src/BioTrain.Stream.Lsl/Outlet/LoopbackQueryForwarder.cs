using System.Net;
using System.Net.Sockets;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Internal;

namespace BioTrain.Stream.Lsl.Outlet;

/// <summary>
/// Passes a discovery query that reached the shared port by loopback unicast on to every service port of
/// the range on loopback. Such a datagram is delivered to only one of the sockets bound to the shared port
/// (on Linux the one bound last, or one bound to 127.0.0.1 before one bound to the wildcard address), and a
/// liblsl resolver up to 1.17 asks nothing else in machine scope; without this, whichever outlet wins would
/// hide all the others, liblsl's included. Every outlet's service socket answers shortinfo as well, and it
/// answers the forwarded copy straight to the asker, because the copy keeps the loopback source address and
/// carries the asker's return port. Multicast and broadcast queries reach every socket already and are not
/// forwarded; neither is anything from another host.
/// </summary>
internal sealed class LoopbackQueryForwarder
{
    // liblsl resolvers send one wave per 0.5 s; this leaves room for dozens of them and bounds the fan-out.
    private const int MaxForwardsPerSecond = 50;

    private readonly IPEndPoint[] _targets;
    private readonly ReplyRateLimiter _limiter = new(MaxForwardsPerSecond);

    public LoopbackQueryForwarder(LslConfig config, AddressFamily family, int ownServicePort)
    {
        var loopback = family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        _targets = Enumerable.Range(config.BasePort, Math.Max(0, config.PortRange))
            .Where(port => port is > 0 and <= 65535 && port != ownServicePort && port != config.MulticastPort)
            .Select(port => new IPEndPoint(loopback, port))
            .ToArray();
    }

    /// <summary>Forwarded datagrams so far (for tests and statistics).</summary>
    public long Forwarded { get; private set; }

    public static bool ShouldForward(in ReceivedDatagram datagram) =>
        datagram.Destination is not null && IPAddress.IsLoopback(datagram.Destination) && IPAddress.IsLoopback(datagram.Sender.Address);

    public async ValueTask ForwardAsync(Socket socket, ReceivedDatagram datagram, CancellationToken ct)
    {
        if (!ShouldForward(datagram) || !_limiter.TryTake())
        {
            return;
        }

        foreach (var target in _targets)
        {
            try
            {
                await socket.SendToAsync(datagram.Packet, SocketFlags.None, target, ct).ConfigureAwait(false);
                Forwarded++;
            }
            catch (SocketException)
            {
                // Nobody on that port (ICMP unreachable reported on a later call): skip it.
            }
        }
    }
}
