using System.Net;
using System.Net.Sockets;
using BioTrain.Stream.Lsl.Config;

namespace BioTrain.Stream.Lsl.Internal;

/// <summary>Binds sockets to the first free port of BasePort..BasePort+PortRange-1, or a random one if allowed.</summary>
internal static class PortBinder
{
    public static IPAddress ListenAddress(LslConfig config, AddressFamily family)
    {
        if (!string.IsNullOrEmpty(config.ListenAddress) && IPAddress.TryParse(config.ListenAddress, out var address) && address.AddressFamily == family)
        {
            return address;
        }

        return family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
    }

    public static TcpListener BindTcp(LslConfig config, AddressFamily family)
    {
        var address = ListenAddress(config, family);
        foreach (var port in Candidates(config))
        {
            var listener = new TcpListener(address, port);
            if (family == AddressFamily.InterNetworkV6)
            {
                listener.Server.DualMode = false;
            }

            try
            {
                listener.Start(10);
                return listener;
            }
            catch (SocketException)
            {
                listener.Dispose();
            }
        }

        throw new LslException($"no free TCP port in {config.BasePort}..{config.BasePort + config.PortRange - 1} and random ports are not allowed");
    }

    public static Socket BindUdp(LslConfig config, AddressFamily family)
    {
        var address = ListenAddress(config, family);
        foreach (var port in Candidates(config))
        {
            var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
            if (family == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }

            try
            {
                socket.Bind(new IPEndPoint(address, port));
                return socket;
            }
            catch (SocketException)
            {
                socket.Dispose();
            }
        }

        throw new LslException($"no free UDP port in {config.BasePort}..{config.BasePort + config.PortRange - 1} and random ports are not allowed");
    }

    private static IEnumerable<int> Candidates(LslConfig config)
    {
        for (var i = 0; i < config.PortRange; i++)
        {
            var port = config.BasePort + i;
            if (port is > 0 and <= 65535)
            {
                yield return port;
            }
        }

        if (config.AllowRandomPorts)
        {
            yield return 0;
        }
    }
}
