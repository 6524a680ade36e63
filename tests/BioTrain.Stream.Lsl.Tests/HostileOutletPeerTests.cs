using System.Net;
using System.Net.Sockets;
using System.Text;
using BioTrain.Stream.Lsl.Discovery;
using BioTrain.Stream.Lsl.Info;
using BioTrain.Stream.Lsl.Inlet;
using BioTrain.Stream.Lsl.Outlet;
using BioTrain.Stream.Lsl.Protocol;

namespace BioTrain.Stream.Lsl.Tests;

/// <summary>Untrusted inlets and resolvers against a real outlet: every bad input closes quietly, the outlet keeps serving.</summary>
public class HostileOutletPeerTests
{
    private static string Request(string uid, params string[] headers) =>
        $"LSL:streamfeed/110 {uid}\r\n" + string.Concat(headers.Select(h => h + "\r\n")) + "\r\n";

    private static async Task AssertStillServes(StreamOutlet outlet, Config.LslConfig config)
    {
        var found = await StreamResolver.ResolveByPropertyAsync("uid", outlet.Info.Uid, 1, TestLsl.Patience, config, TestLsl.Timeout());
        await using var inlet = new StreamInlet(Assert.Single(found), config: config);
        await inlet.OpenStreamAsync(TestLsl.Patience, TestLsl.Timeout());
    }

    [Fact]
    public async Task Zero_buffer_request_gets_exactly_the_header_and_test_patterns()
    {
        var config = TestLsl.NewConfig();
        using var outlet = new StreamOutlet(new StreamInfo("H", "EEG", 3, 10, ChannelFormat.Float32, "h"), config: config);
        var reply = await RawPeer.ExchangeAsync(outlet.Info.V4DataPort, Request(outlet.Info.Uid, "Value-Size: 4", "Max-Buffer-Length: 0"));
        var expected = Encoding.ASCII.GetBytes($"LSL/110 200 OK\r\nUID: {outlet.Info.Uid}\r\nByte-Order: 1234\r\nSuppress-Subnormals: 0\r\nData-Protocol-Version: 110\r\n\r\n")
            .Concat(Convert.FromHexString("02c976be9f0c24fe40000080400000a0c0" + "0000c040" + "02c976be9f0c24fe4000000040000040c000008040"));
        Assert.Equal(expected, reply);
    }

    [Fact]
    public async Task Wrong_uid_gets_404_without_line_end_and_newer_major_version_gets_505()
    {
        var config = TestLsl.NewConfig();
        using var outlet = new StreamOutlet(new StreamInfo("H", "EEG", 1, 10, ChannelFormat.Float32, "h"), config: config);
        var port = outlet.Info.V4DataPort;
        Assert.Equal("LSL/110 404 Not found", Encoding.ASCII.GetString(await RawPeer.ExchangeAsync(port, Request("not-this-uid", "Max-Buffer-Length: 10"))));
        Assert.Equal("LSL/110 505 Version not supported", Encoding.ASCII.GetString(await RawPeer.ExchangeAsync(port, "LSL:streamfeed/200\r\nMax-Buffer-Length: 10\r\n\r\n")));
    }

    [Theory]
    [InlineData("LSL:nonsense\r\n\r\n")]
    [InlineData("LSL:streamfeed/abc\r\nMax-Buffer-Length: 10\r\n\r\n")]
    [InlineData("LSL:streamfeed/110\r\nMax-Buffer-Length: -5\r\n\r\n")]
    [InlineData("LSL:streamfeed/110\r\nMax-Buffer-Length: 99999999999999\r\n\r\n")]
    [InlineData("LSL:streamfeed/110\r\nValue-Size: 4000000\r\n\r\n")]
    [InlineData("LSL:streamfeed\r\nthree numbers here\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n\r\n")]
    public async Task Malformed_requests_are_closed_without_a_reply(string request)
    {
        var config = TestLsl.NewConfig();
        using var outlet = new StreamOutlet(new StreamInfo("H", "EEG", 1, 10, ChannelFormat.Float32, "h"), config: config);
        Assert.Empty(await RawPeer.ExchangeAsync(outlet.Info.V4DataPort, request));
        await AssertStillServes(outlet, config);
    }

    [Fact]
    public async Task Oversized_lines_and_headers_are_cut_off()
    {
        var config = TestLsl.NewConfig();
        using var outlet = new StreamOutlet(new StreamInfo("H", "EEG", 1, 10, ChannelFormat.Float32, "h"), config: config);
        var port = outlet.Info.V4DataPort;
        var endless = Encoding.ASCII.GetBytes("LSL:streamfeed/110 " + new string('u', 200_000));
        Assert.Empty(await RawPeer.ExchangeAsync(port, endless));
        var manyHeaders = Request(outlet.Info.Uid, [.. Enumerable.Range(0, 500).Select(i => $"X-Junk-{i}: {i}")]);
        Assert.Empty(await RawPeer.ExchangeAsync(port, manyHeaders));
        await AssertStillServes(outlet, config);
    }

    [Fact]
    public async Task A_silent_connection_is_dropped_after_the_handshake_timeout()
    {
        var config = TestLsl.NewConfig() with { HandshakeTimeout = 0.3 };
        using var outlet = new StreamOutlet(new StreamInfo("H", "EEG", 1, 10, ChannelFormat.Float32, "h"), config: config);
        Assert.Empty(await RawPeer.ExchangeAsync(outlet.Info.V4DataPort, "LSL:streamfeed/110"));
    }

    [Fact]
    public async Task A_connection_flood_is_capped_and_the_outlet_recovers()
    {
        var config = TestLsl.NewConfig() with { MaxConnections = 8, HandshakeTimeout = 10.0 };
        using var outlet = new StreamOutlet(new StreamInfo("H", "EEG", 1, 10, ChannelFormat.Float32, "h"), config: config);
        var clients = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 60; i++)
            {
                var c = new TcpClient();
                await c.ConnectAsync(IPAddress.Loopback, outlet.Info.V4DataPort);
                clients.Add(c);
            }

            var deadline = DateTime.UtcNow.AddSeconds(TestLsl.Patience);
            while (outlet.RejectedConnections < 52 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            Assert.Equal(52, outlet.RejectedConnections);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }

        await AssertStillServes(outlet, config);
    }

    [Fact]
    public async Task Query_floods_and_hostile_predicates_do_not_break_discovery()
    {
        var config = TestLsl.NewConfig() with { MaxRepliesPerSecond = 20 };
        using var outlet = new StreamOutlet(new StreamInfo("H", "EEG", 1, 10, ChannelFormat.Float32, "h"), config: config);
        using var asker = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        asker.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var returnPort = ((IPEndPoint)asker.LocalEndPoint!).Port;
        var service = new IPEndPoint(IPAddress.Loopback, outlet.Info.V4ServicePort);
        var nested = string.Concat(Enumerable.Repeat("(", 5000)) + "1" + string.Concat(Enumerable.Repeat(")", 5000));
        var chain = string.Join(" or ", Enumerable.Repeat("name='x'", 400));
        foreach (var predicate in new[] { nested, chain, "name=", "]]]]", new string('a', 60000) })
        {
            await asker.SendToAsync(DiscoveryPacket.FormatQuery(predicate, returnPort, "1"), service);
        }

        for (var i = 0; i < 300; i++)
        {
            await asker.SendToAsync(DiscoveryPacket.FormatQuery("name='H'", returnPort, "2"), service);
        }

        var replies = 0;
        var buffer = new byte[65536];
        using (var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
        {
            try
            {
                while (true)
                {
                    await asker.ReceiveAsync(buffer, quiet.Token);
                    replies++;
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        Assert.InRange(replies, 1, 299);
        await Task.Delay(1100);
        await AssertStillServes(outlet, config);
    }

    [Fact]
    public async Task Old_protocol_100_request_gets_the_portable_archive()
    {
        var config = TestLsl.NewConfig();
        using var outlet = new StreamOutlet(new StreamInfo("Old", "EEG", 3, 10, ChannelFormat.Float32, "old"), config: config);
        var header = PortableArchive.Header(outlet.Info.ToShortInfoXml());
        var encoder = new FeedEncoder(100, false, ChannelFormat.Float32);
        var patterns = encoder.TestPatterns(3);
        var reply = await RawPeer.ExchangeAsync(outlet.Info.V4DataPort, "LSL:streamfeed\r\n360 0\r\n", header.Length + patterns.Length);
        Assert.Equal(header.Concat(patterns), reply);
        Assert.Equal(Convert.FromHexString("0102" + "08c976be9f0c24fe40" + "040000804004" + "0000a0c0" + "040000c040"), patterns[..(2 + 9 + 15)]);
    }

    [Fact]
    public async Task Mismatched_value_size_falls_back_to_protocol_100_and_big_endian_clients_get_their_order()
    {
        var config = TestLsl.NewConfig();
        using var outlet = new StreamOutlet(new StreamInfo("Neg", "EEG", 1, 10, ChannelFormat.Float32, "neg"), config: config);
        var port = outlet.Info.V4DataPort;
        var fallback = Encoding.ASCII.GetString(await RawPeer.ExchangeAsync(port, Request(outlet.Info.Uid, "Value-Size: 8", "Max-Buffer-Length: 0")));
        Assert.Contains("Data-Protocol-Version: 100\r\n", fallback, StringComparison.Ordinal);

        var big = await RawPeer.ExchangeAsync(port, Request(outlet.Info.Uid, "Native-Byte-Order: 4321", "Endian-Performance: 10", "Value-Size: 4", "Max-Buffer-Length: 0"));
        var text = Encoding.ASCII.GetString(big);
        Assert.Contains("Byte-Order: 4321\r\n", text, StringComparison.Ordinal);
        var body = big[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        Assert.Equal(Convert.FromHexString("0240fe240c9fbe76c9" + "40800000"), body[..13]);
    }

    [Fact]
    public async Task Tcp_info_requests_return_the_documents_and_close()
    {
        var config = TestLsl.NewConfig();
        var source = new StreamInfo("Docs", "EEG", 2, 10, ChannelFormat.Float32, "docs").AddChannels([new("C3", "uV", "EEG"), new("C4", "uV", "EEG")]);
        using var outlet = new StreamOutlet(source, config: config);
        var port = outlet.Info.V4DataPort;
        Assert.Equal(outlet.Info.ToFullInfoXml(), Encoding.UTF8.GetString(await RawPeer.ExchangeAsync(port, "LSL:fullinfo\r\n")));
        Assert.Equal(outlet.Info.ToShortInfoXml(), Encoding.UTF8.GetString(await RawPeer.ExchangeAsync(port, "LSL:shortinfo\r\nname='Docs'\r\n")));
        Assert.Empty(await RawPeer.ExchangeAsync(port, "LSL:shortinfo\r\nname='Other'\r\n"));
    }
}
