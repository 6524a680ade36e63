using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace BioTrain.Stream.Daemon.Live;

/// <summary>
/// The status page's listener as Kestrel binds it: Kestrel writes the port it was given into the
/// listen options, so <c>statusListen: 127.0.0.1:0</c> yields the real address to print.
/// </summary>
public sealed class StatusListener
{
    internal ListenOptions? Bound { get; set; }

    /// <summary>The page's address once the daemon has started (null: no status listener, or a Unix socket).</summary>
    public Uri? Address => Bound?.IPEndPoint is { Port: > 0 } ip
        ? new Uri($"http://{(ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ip.Address}]" : ip.Address.ToString())}:{ip.Port}/")
        : null;
}
