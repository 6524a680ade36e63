using System.Net;
using System.Net.Sockets;
using BioTrain.Stream.Lsl.Config;

namespace BioTrain.Stream.Lsl.Internal;

/// <summary>The scope's discovery addresses of one IP family, and what kind each is.</summary>
internal static class ScopeAddresses
{
    public static List<IPAddress> Of(LslConfig config, AddressFamily family) =>
        config.ResolveAddresses
            .Select(a => IPAddress.TryParse(a, out var ip) ? ip : null)
            .Where(ip => ip is not null && ip.AddressFamily == family)
            .Select(ip => ip!)
            .ToList();

    public static bool IsMulticast(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? address.IsIPv6Multicast : (address.GetAddressBytes()[0] & 0xF0) == 0xE0;
}
