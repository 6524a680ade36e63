using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;

namespace BioTrain.Stream.Daemon.Live;

/// <summary>
/// Protection against DNS rebinding: a site can point its own name at 127.0.0.1 and so reach a
/// loopback listener from the visitor's browser, but the browser still sends that name as Host.
/// The status page answers only to <c>localhost</c> or a loopback literal, with any port.
/// </summary>
internal static class LoopbackHost
{
    public static bool IsAllowed(HostString host)
    {
        if (!host.HasValue)
        {
            return false;
        }

        var name = host.Host; // without the port; an IPv6 literal keeps its brackets
        if (string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (name.Length > 2 && name[0] == '[' && name[^1] == ']')
        {
            return IPAddress.TryParse(name.AsSpan(1, name.Length - 2), out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6 && IPAddress.IsLoopback(v6);
        }

        return IPAddress.TryParse(name, out var v4) && v4.AddressFamily == AddressFamily.InterNetwork && IPAddress.IsLoopback(v4);
    }
}
