using System.Net.Sockets;
using BioTrain.Stream.Daemon.Configuration;

namespace BioTrain.Stream.Daemon.Control;

/// <summary>HTTP clients of the daemon's control endpoint (and /metrics), for <c>biotrain status</c> and the benchmarks that watch a daemon.</summary>
public static class ControlClient
{
    /// <summary>An HTTP client to <paramref name="endpoint"/> (unix:PATH or ADDRESS:PORT), over its Unix socket when it is one.</summary>
    public static HttpClient Create(string endpoint)
    {
        var parsed = ListenEndpoint.Parse(endpoint);
        if (!parsed.IsUnix)
        {
            return new HttpClient { BaseAddress = new Uri($"http://{parsed.Address}:{parsed.Port}") };
        }

        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(parsed.UnixPath!), ct).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler, disposeHandler: true) { BaseAddress = new Uri("http://biotrain") };
    }
}
