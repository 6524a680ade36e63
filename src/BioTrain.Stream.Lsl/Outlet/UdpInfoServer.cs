using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Discovery;
using BioTrain.Stream.Lsl.Internal;
using BioTrain.Stream.Lsl.Protocol;

namespace BioTrain.Stream.Lsl.Outlet;

/// <summary>
/// A UDP socket that answers discovery queries (<c>LSL:shortinfo</c>) for one outlet and, on the service
/// port, time probes (<c>LSL:timedata</c>). One datagram at a time: a flood costs bounded memory and one task.
/// </summary>
internal sealed class UdpInfoServer : IDisposable
{
    private readonly Socket _socket;
    private readonly bool _answersTimeData;
    private readonly QueryMatcher _matcher;
    private readonly ReplyRateLimiter _limiter;
    private readonly LslConfig _config;
    private readonly string _shortInfoText;
    private readonly LoopbackQueryForwarder? _forwarder;

    private UdpInfoServer(Socket socket, bool answersTimeData, QueryMatcher matcher, string shortInfo, ReplyRateLimiter limiter, LslConfig config, LoopbackQueryForwarder? forwarder = null)
    {
        _socket = socket;
        _forwarder = forwarder;
        _answersTimeData = answersTimeData;
        _matcher = matcher;
        _shortInfoText = shortInfo;
        _limiter = limiter;
        _config = config;
    }

    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    public long QueriesAnswered { get; private set; }

    /// <summary>The per-outlet service socket, on a free port of the range.</summary>
    public static Socket BindService(LslConfig config, AddressFamily family) => PortBinder.BindUdp(config, family);

    public static UdpInfoServer ForService(Socket socket, QueryMatcher matcher, string shortInfo, ReplyRateLimiter limiter, LslConfig config) =>
        new(socket, answersTimeData: true, matcher, shortInfo, limiter, config);

    /// <summary>Datagrams passed on to the service ports of the range (see <see cref="LoopbackQueryForwarder"/>).</summary>
    public long QueriesForwarded => _forwarder?.Forwarded ?? 0;

    /// <summary>
    /// The responder on the shared multicast port (SO_REUSEADDR only, as liblsl), joined to the scope's
    /// multicast groups; it forwards loopback unicast queries to the range's service ports. Null when the
    /// scope has no address of this family.
    /// </summary>
    public static UdpInfoServer? CreateResponder(LslConfig config, AddressFamily family, QueryMatcher matcher, string shortInfo, ReplyRateLimiter limiter, int ownServicePort)
    {
        var addresses = ScopeAddresses.Of(config, family);
        if (addresses.Count == 0)
        {
            return null;
        }

        var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            SharedPortOption.AllowSharedBind(socket);
            if (family == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }

            socket.Bind(new IPEndPoint(PortBinder.ListenAddress(config, family), config.MulticastPort));
            foreach (var group in addresses.Where(ScopeAddresses.IsMulticast))
            {
                JoinGroup(socket, group, config);
            }

            return new UdpInfoServer(socket, answersTimeData: false, matcher, shortInfo, limiter, config, new LoopbackQueryForwarder(config, family, ownServicePort));
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
    }

    private static void JoinGroup(Socket socket, IPAddress group, LslConfig config)
    {
        if (group.AddressFamily == AddressFamily.InterNetwork)
        {
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, config.MulticastTtl);
            foreach (var local in LocalMulticastAddresses(AddressFamily.InterNetwork))
            {
                TryJoin(() => socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(group, local)));
            }
        }
        else
        {
            socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, config.MulticastTtl);
            foreach (var index in MulticastInterfaceIndexes())
            {
                TryJoin(() => socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(group, index)));
            }
        }
    }

    private static void TryJoin(Action join)
    {
        try
        {
            join();
        }
        catch (SocketException)
        {
            // An interface that cannot join is skipped, as liblsl does.
        }
    }

    internal static IEnumerable<IPAddress> LocalMulticastAddresses(AddressFamily family) =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.SupportsMulticast)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .Where(a => a.AddressFamily == family);

    internal static IEnumerable<long> MulticastInterfaceIndexes() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.SupportsMulticast && n.Supports(NetworkInterfaceComponent.IPv6))
            .Select(n => (long)n.GetIPProperties().GetIPv6Properties().Index);

    public Task RunAsync(CancellationToken ct) => UdpReceiveLoop.RunAsync(_socket, 65536, HandleAsync, ct, wantDestination: _forwarder is not null);

    private async ValueTask HandleAsync(ReceivedDatagram datagram, CancellationToken ct)
    {
        var sender = datagram.Sender;
        string text;
        try
        {
            text = Encoding.UTF8.GetString(datagram.Packet.Span);
        }
        catch (ArgumentException)
        {
            return;
        }

        if (!DiscoveryPacket.TrySplitMethod(text, out var method, out var body))
        {
            return;
        }

        byte[] reply;
        EndPoint target;
        if (method == DiscoveryPacket.ShortInfoMethod)
        {
            if (!DiscoveryPacket.TryParseQuery(body, _config.MaxQueryLength, out var predicate, out var returnPort, out var queryId))
            {
                return;
            }

            if (_forwarder is not null)
            {
                await _forwarder.ForwardAsync(_socket, datagram, ct).ConfigureAwait(false);
            }

            if (!_matcher.Matches(predicate))
            {
                return;
            }

            reply = DiscoveryPacket.FormatReply(queryId, _shortInfoText);
            target = new IPEndPoint(sender.Address, returnPort);
        }
        else if (method == DiscoveryPacket.TimeDataMethod && _answersTimeData)
        {
            if (!TimeDataPacket.TryParseRequest(body, out var wave, out var t0))
            {
                return;
            }

            reply = TimeDataPacket.FormatReply(wave, t0, datagram.Arrival, LslClock.LocalClock());
            target = sender;
        }
        else
        {
            return;
        }

        if (!_limiter.TryTake())
        {
            return;
        }

        try
        {
            await _socket.SendToAsync(reply, SocketFlags.None, target, ct).ConfigureAwait(false);
            QueriesAnswered++;
        }
        catch (SocketException)
        {
            // An unreachable asker is not our problem.
        }
    }

    public void Dispose() => _socket.Dispose();
}
