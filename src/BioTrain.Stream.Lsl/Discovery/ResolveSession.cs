using System.Net;
using System.Net.Sockets;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Info;
using BioTrain.Stream.Lsl.Protocol;

namespace BioTrain.Stream.Lsl.Discovery;

/// <summary>
/// One resolver's sockets and results: sends query waves, collects replies, keys them by uid (first route
/// wins), fills in the reply's source address, and ignores replies it cannot trust (wrong id, invalid XML,
/// too many streams).
/// </summary>
internal sealed class ResolveSession : IDisposable
{
    private readonly LslConfig _config;
    private readonly string _queryId;
    private readonly List<(Socket Socket, byte[] Query, IReadOnlyList<ResolveTarget> Targets)> _families = [];
    private readonly Dictionary<string, (StreamInfo Info, double LastSeen)> _results = new(StringComparer.Ordinal);
    private readonly Lock _sync = new();
    private readonly SemaphoreSlim _replied = new(0);

    public ResolveSession(LslConfig config, string query)
    {
        _config = config;
        _queryId = DiscoveryPacket.QueryId(query);
        foreach (var family in Families(config))
        {
            var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                if (family == AddressFamily.InterNetworkV6)
                {
                    socket.DualMode = false;
                }

                socket.Bind(new IPEndPoint(Internal.PortBinder.ListenAddress(config, family), 0));
                var targets = ResolveTarget.Build(config, family);
                if (targets.Any(t => t.IsBroadcast))
                {
                    socket.EnableBroadcast = true;
                }

                if (targets.Any(t => t.IsMulticast))
                {
                    socket.SetSocketOption(family == AddressFamily.InterNetwork ? SocketOptionLevel.IP : SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, config.MulticastTtl);
                }

                var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
                _families.Add((socket, DiscoveryPacket.FormatQuery(query, port, _queryId), targets));
            }
            catch (SocketException)
            {
                socket.Dispose();
                if (family == AddressFamily.InterNetwork || !config.UseIPv4)
                {
                    throw;
                }
            }
        }
    }

    private static IEnumerable<AddressFamily> Families(LslConfig config)
    {
        if (config.UseIPv6 && Socket.OSSupportsIPv6)
        {
            yield return AddressFamily.InterNetworkV6;
        }

        if (config.UseIPv4)
        {
            yield return AddressFamily.InterNetwork;
        }
    }

    public int Count
    {
        get
        {
            lock (_sync)
            {
                return _results.Count;
            }
        }
    }

    public bool Contains(string uid)
    {
        lock (_sync)
        {
            return _results.ContainsKey(uid);
        }
    }

    /// <summary>Waits until a new stream answered, or at most <paramref name="timeout"/>.</summary>
    public Task WaitForReplyAsync(TimeSpan timeout, CancellationToken ct) => _replied.WaitAsync(timeout, ct);

    /// <summary>Results seen within <paramref name="forgetAfter"/> seconds (all when null).</summary>
    public IReadOnlyList<StreamInfo> Results(double? forgetAfter = null)
    {
        var now = LslClock.LocalClock();
        lock (_sync)
        {
            return _results.Values
                .Where(r => forgetAfter is null || now - r.LastSeen <= forgetAfter)
                .Select(r => r.Info)
                .ToList();
        }
    }

    public async Task SendWaveAsync(CancellationToken ct)
    {
        foreach (var (socket, query, targets) in _families)
        {
            foreach (var target in targets)
            {
                try
                {
                    await socket.SendToAsync(query, SocketFlags.None, target.EndPoint, ct).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    // Unreachable target (no route, no multicast): the others may still answer.
                }
            }
        }
    }

    public Task ReceiveAsync(CancellationToken ct) => Task.WhenAll(_families.Select(f => ReceiveAsync(f.Socket, ct)));

    private Task ReceiveAsync(Socket socket, CancellationToken ct) =>
        Internal.UdpReceiveLoop.RunAsync(socket, 65536, (datagram, _) =>
        {
            Accept(datagram.Packet.Span, datagram.Sender);
            return ValueTask.CompletedTask;
        }, ct);

    private void Accept(ReadOnlySpan<byte> packet, IPEndPoint source)
    {
        if (!DiscoveryPacket.TryParseReply(packet, out var id, out var xml) || id != _queryId)
        {
            return;
        }

        StreamInfo info;
        try
        {
            info = StreamInfo.FromXml(xml, _config);
        }
        catch (LslProtocolException)
        {
            return;
        }

        var address = source.Address.IsIPv4MappedToIPv6 ? source.Address.MapToIPv4() : source.Address;
        if (address.AddressFamily == AddressFamily.InterNetwork && info.V4Address.Length == 0)
        {
            info.V4Address = address.ToString();
        }
        else if (address.AddressFamily == AddressFamily.InterNetworkV6 && info.V6Address.Length == 0)
        {
            info.V6Address = address.ToString();
        }

        var now = LslClock.LocalClock();
        lock (_sync)
        {
            if (_results.TryGetValue(info.Uid, out var existing))
            {
                _results[info.Uid] = (existing.Info, now);
            }
            else if (_results.Count < _config.MaxResolveResults)
            {
                _results[info.Uid] = (info, now);
                _replied.Release();
            }
        }
    }

    public void Dispose()
    {
        _replied.Dispose();
        foreach (var (socket, _, _) in _families)
        {
            socket.Dispose();
        }
    }
}
