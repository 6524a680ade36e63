using System.Net;
using System.Net.Sockets;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Internal;

namespace BioTrain.Stream.Lsl.Discovery;

/// <summary>Where a discovery wave sends its query.</summary>
internal readonly record struct ResolveTarget(IPEndPoint EndPoint, bool IsBroadcast, bool IsMulticast)
{
    /// <summary>
    /// The scope's addresses on the multicast port, plus every port of the range on the loopback address
    /// (so several outlets on this host are all found: a unicast datagram to the shared port reaches only
    /// one of them) and on each known peer.
    /// </summary>
    public static IReadOnlyList<ResolveTarget> Build(LslConfig config, AddressFamily family)
    {
        var targets = new List<ResolveTarget>();
        var addresses = ScopeAddresses.Of(config, family);
        foreach (var address in addresses)
        {
            var broadcast = address.Equals(IPAddress.Broadcast);
            targets.Add(new ResolveTarget(new IPEndPoint(address, config.MulticastPort), broadcast, ScopeAddresses.IsMulticast(address)));
        }

        var sweep = new List<IPAddress>();
        var loopback = family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        if (addresses.Any(IPAddress.IsLoopback))
        {
            sweep.Add(loopback);
        }

        foreach (var peer in config.KnownPeers)
        {
            sweep.AddRange(ResolvePeer(peer, family));
        }

        foreach (var address in sweep.Distinct())
        {
            for (var i = 0; i < config.PortRange; i++)
            {
                var port = config.BasePort + i;
                if (port is > 0 and <= 65535)
                {
                    targets.Add(new ResolveTarget(new IPEndPoint(address, port), false, false));
                }
            }
        }

        return targets;
    }

    private static IEnumerable<IPAddress> ResolvePeer(string peer, AddressFamily family)
    {
        if (IPAddress.TryParse(peer, out var literal))
        {
            return literal.AddressFamily == family ? [literal] : [];
        }

        try
        {
            return Dns.GetHostAddresses(peer).Where(a => a.AddressFamily == family);
        }
        catch (SocketException)
        {
            return [];
        }
    }
}
