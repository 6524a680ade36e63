using System.Net;
using System.Net.Sockets;
using System.Text;
using BioTrain.Stream.Lsl.Discovery;
using BioTrain.Stream.Lsl.Info;
using BioTrain.Stream.Lsl.Outlet;

namespace BioTrain.Stream.Lsl.Tests;

/// <summary>
/// Our outlet beside another process's (liblsl-style) outlet on the shared discovery port, in both start
/// orders. A unicast query to 127.0.0.1:MulticastPort reaches only one of the two sockets there (on Linux
/// the one bound last), and a liblsl 1.16 resolver in machine scope asks nothing else, so each order
/// checks that such a resolver still finds the foreign outlet, and that our resolver finds both.
/// </summary>
public class DiscoveryCoexistenceTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_liblsl_resolver_still_finds_the_foreign_outlet_and_ours_finds_both(bool oursFirst)
    {
        var config = TestLsl.NewConfig();
        StreamOutlet? outlet = null;
        ForeignDiscoveryPeer? foreign = null;
        try
        {
            if (oursFirst)
            {
                outlet = NewOutlet(config);
                foreign = new ForeignDiscoveryPeer(config);
            }
            else
            {
                foreign = new ForeignDiscoveryPeer(config);
                outlet = NewOutlet(config);
            }

            var legacy = await LegacyResolveAsync(config, foreign.Uid);
            Assert.Contains(foreign.Uid, legacy);
            Assert.True(foreign.QueriesReceived > 0);

            var ours = await StreamResolver.ResolveAllAsync(1.0, config, TestLsl.Timeout());
            Assert.Contains(ours, s => s.Uid == foreign.Uid);
            Assert.Contains(ours, s => s.Uid == outlet.Info.Uid);
        }
        finally
        {
            outlet?.Dispose();
            foreign?.Dispose();
        }
    }

    [Fact]
    public async Task When_ours_is_bound_last_the_foreign_outlet_gets_the_query_through_its_service_port()
    {
        var config = TestLsl.NewConfig();
        using var foreign = new ForeignDiscoveryPeer(config);
        using var outlet = NewOutlet(config);

        var legacy = await LegacyResolveAsync(config, outlet.Info.Uid, foreign.Uid);

        // Ours won the unicast lottery (it answered) and passed the query on; the foreign outlet answered too.
        Assert.Contains(outlet.Info.Uid, legacy);
        Assert.Contains(foreign.Uid, legacy);
        Assert.True(foreign.ServicePortQueries > 0);
    }

    [Fact]
    public void The_shared_port_socket_sets_SO_REUSEADDR_but_not_SO_REUSEPORT()
    {
        var config = TestLsl.NewConfig();
        using var outlet = NewOutlet(config);

        // A socket with SO_REUSEPORT alone may join a port only if every socket there set SO_REUSEPORT.
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.SetRawSocketOption(1, 15, BitConverter.GetBytes(1)); // SOL_SOCKET, SO_REUSEPORT
        var error = Assert.Throws<SocketException>(() => probe.Bind(new IPEndPoint(IPAddress.Loopback, config.MulticastPort)));
        Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);

        // A socket with SO_REUSEADDR alone (liblsl's way) may.
        using var liblslStyle = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        liblslStyle.SetRawSocketOption(1, 2, BitConverter.GetBytes(1)); // SOL_SOCKET, SO_REUSEADDR
        liblslStyle.Bind(new IPEndPoint(IPAddress.Loopback, config.MulticastPort));
    }

    [Fact]
    public async Task Queries_from_other_hosts_or_on_the_service_port_are_not_forwarded()
    {
        var config = TestLsl.NewConfig();
        using var foreign = new ForeignDiscoveryPeer(config);
        using var outlet = NewOutlet(config);

        // Straight to our service port (as a sweeping resolver does): answered, not passed on.
        using var asker = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        asker.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)asker.LocalEndPoint!).Port;
        await asker.SendToAsync(Encoding.UTF8.GetBytes($"LSL:shortinfo\r\nsession_id='default'\r\n{port} 42\r\n"), new IPEndPoint(IPAddress.Loopback, outlet.Info.V4ServicePort));
        var reply = new byte[65536];
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(TestLsl.Patience));
        var got = await asker.ReceiveFromAsync(reply, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), guard.Token);
        Assert.Contains(outlet.Info.Uid, Encoding.UTF8.GetString(reply, 0, got.ReceivedBytes), StringComparison.Ordinal);
        Assert.Equal(0, foreign.QueriesReceived);
    }

    private static StreamOutlet NewOutlet(Config.LslConfig config) =>
        new(new StreamInfo("Ours", "EEG", 1, 100, ChannelFormat.Float32, "ours"), config: config);

    /// <summary>
    /// What a liblsl 1.16 resolver does in machine scope: the query to 127.0.0.1:MulticastPort only, one wave
    /// per 100 ms, until every wanted uid answered (bounded by the hang guard).
    /// </summary>
    private static async Task<HashSet<string>> LegacyResolveAsync(Config.LslConfig config, params string[] wanted)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        var query = Encoding.UTF8.GetBytes($"LSL:shortinfo\r\nsession_id='default'\r\n{port} 15849993185282007989\r\n");
        var found = new HashSet<string>(StringComparer.Ordinal);
        var buffer = new byte[65536];
        var deadline = DateTime.UtcNow.AddSeconds(TestLsl.Patience);
        while (!wanted.All(found.Contains) && DateTime.UtcNow < deadline)
        {
            await socket.SendToAsync(query, new IPEndPoint(IPAddress.Loopback, config.MulticastPort));
            using var wave = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
            try
            {
                while (true)
                {
                    var result = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), wave.Token);
                    var text = Encoding.UTF8.GetString(buffer, 0, result.ReceivedBytes);
                    var start = text.IndexOf("<uid>", StringComparison.Ordinal);
                    if (text.StartsWith("15849993185282007989", StringComparison.Ordinal) && start >= 0)
                    {
                        found.Add(text[(start + 5)..text.IndexOf("</uid>", StringComparison.Ordinal)]);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        return found;
    }
}
