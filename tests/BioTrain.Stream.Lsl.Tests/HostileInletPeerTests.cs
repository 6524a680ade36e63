using System.Text;
using BioTrain.Stream.Lsl.Inlet;
using BioTrain.Stream.Lsl.Outlet;
using BioTrain.Stream.Lsl.Protocol;

namespace BioTrain.Stream.Lsl.Tests;

/// <summary>Broken and hostile outlets (real sockets, written here) against the inlet's handshake and decoder.</summary>
public class HostileInletPeerTests
{
    private const string Uid = "11111111-2222-3333-4444-555555555555";

    private static byte[] Header(string extra = "") =>
        Encoding.ASCII.GetBytes($"LSL/110 200 OK\r\nUID: {Uid}\r\nByte-Order: 1234\r\nSuppress-Subnormals: 0\r\nData-Protocol-Version: 110\r\n{extra}\r\n");

    private static byte[] Patterns(ChannelFormat format, int channels) => new FeedEncoder(110, false, format).TestPatterns(channels);

    private static async Task<LslProtocolException> OpenFails(Func<string, byte[]> reply, ChannelFormat format = ChannelFormat.Float32, int channels = 3)
    {
        await using var fake = new FakeOutlet(reply);
        var config = TestLsl.NewConfig() with { HandshakeTimeout = 2.0 };
        return await Assert.ThrowsAsync<LslProtocolException>(() => FeedConnection.OpenAsync(fake.Info(format, channels), config, 100, 0, TestLsl.Timeout()));
    }

    [Fact]
    public async Task Wrong_test_patterns_are_rejected()
    {
        var bad = Patterns(ChannelFormat.Float32, 3);
        bad[12] ^= 0x01;
        var e = await OpenFails(_ => [.. Header(), .. bad]);
        Assert.Equal(LslProtocolError.TestPatternMismatch, e.Reason);
    }

    [Fact]
    public async Task Wrong_string_test_patterns_are_rejected()
    {
        var encoder = new FeedEncoder(110, false, ChannelFormat.String);
        var buffer = new byte[64];
        var n = encoder.EncodeString(buffer, LslConstants.TestPatternTimestamp, false, ["10", "11"]);
        var e = await OpenFails(_ => [.. Header(), .. buffer[..n], .. buffer[..n]], ChannelFormat.String, 2);
        Assert.Equal(LslProtocolError.TestPatternMismatch, e.Reason);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\n\r\n", LslProtocolError.MalformedResponse)]
    [InlineData("LSL/110 404 Not found", LslProtocolError.StreamNotFound)]
    [InlineData("LSL/110 500 Oops\r\n\r\n", LslProtocolError.MalformedResponse)]
    [InlineData("LSL/210 200 OK\r\n\r\n", LslProtocolError.UnsupportedVersion)]
    [InlineData("LSL/110 200 OK\r\nUID: someone-else\r\n\r\n", LslProtocolError.UidMismatch)]
    [InlineData("LSL/110 200 OK\r\nByte-Order: 77\r\n\r\n", LslProtocolError.InvalidByteOrder)]
    [InlineData("LSL/110 200 OK\r\nData-Protocol-Version: 999\r\n\r\n", LslProtocolError.UnsupportedVersion)]
    [InlineData("LSL/110 200 OK\r\n", LslProtocolError.UnexpectedEndOfStream)]
    public async Task Malformed_reply_headers_are_typed_errors(string reply, LslProtocolError reason)
    {
        var e = await OpenFailsThenClose(Encoding.ASCII.GetBytes(reply));
        Assert.Equal(reason, e.Reason);
    }

    private static async Task<LslProtocolException> OpenFailsThenClose(byte[] reply)
    {
        // Close right after the reply so truncation shows up as end of stream, not as a timeout.
        await using var fake = new ClosingFakeOutlet(reply);
        var config = TestLsl.NewConfig() with { HandshakeTimeout = 2.0 };
        var info = fake.Info();
        return await Assert.ThrowsAsync<LslProtocolException>(() => FeedConnection.OpenAsync(info, config, 100, 0, TestLsl.Timeout()));
    }

    [Fact]
    public async Task Endless_header_lines_and_header_floods_are_cut_off()
    {
        Assert.Equal(LslProtocolError.LineTooLong, (await OpenFails(_ => Encoding.ASCII.GetBytes("LSL/110 200 OK\r\nX: " + new string('x', 100_000)))).Reason);
        var flood = "LSL/110 200 OK\r\n" + string.Concat(Enumerable.Range(0, 1000).Select(i => $"X-{i}: y\r\n"));
        Assert.Equal(LslProtocolError.HeaderTooLarge, (await OpenFails(_ => Encoding.ASCII.GetBytes(flood))).Reason);
    }

    [Fact]
    public async Task A_silent_outlet_times_out_the_handshake()
    {
        var e = await OpenFails(_ => []);
        Assert.Equal(LslProtocolError.HandshakeTimeout, e.Reason);
    }

    [Fact]
    public async Task A_huge_string_length_is_refused_before_allocation()
    {
        var strings = new FeedEncoder(110, false, ChannelFormat.String).TestPatterns(1);
        byte[] hostileSample = [2, .. BitConverter.GetBytes(1.0), 8, .. BitConverter.GetBytes(long.MaxValue)];
        await using var fake = new FakeOutlet(_ => [.. Header(), .. strings, .. hostileSample]);
        var config = TestLsl.NewConfig();
        await using var inlet = new StreamInlet(fake.Info(ChannelFormat.String, 1), recover: false, config: config);
        var lost = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        inlet.ConnectionLost += (_, e) => lost.TrySetResult(e.Error);
        await inlet.OpenStreamAsync(TestLsl.Patience, TestLsl.Timeout());
        var error = Assert.IsType<LslProtocolException>(await lost.Task.WaitAsync(TimeSpan.FromSeconds(TestLsl.Patience)));
        Assert.Equal(LslProtocolError.StringTooLong, error.Reason);
        Assert.Throws<LslLostException>(() => inlet.PullSample(new string[1], TestLsl.Patience));
    }

    [Fact]
    public async Task A_bad_sample_tag_ends_the_connection_with_a_typed_error()
    {
        await using var fake = new FakeOutlet(_ => [.. Header(), .. Patterns(ChannelFormat.Float32, 3), 9, 9, 9]);
        await using var inlet = new StreamInlet(fake.Info(), recover: false, config: TestLsl.NewConfig());
        var lost = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        inlet.ConnectionLost += (_, e) => lost.TrySetResult(e.Error);
        await inlet.OpenStreamAsync(TestLsl.Patience, TestLsl.Timeout());
        var error = Assert.IsType<LslProtocolException>(await lost.Task.WaitAsync(TimeSpan.FromSeconds(TestLsl.Patience)));
        Assert.Equal(LslProtocolError.InvalidSampleTag, error.Reason);
    }

    [Fact]
    public async Task A_silent_outlet_of_a_regular_stream_is_caught_by_the_watchdog()
    {
        await using var fake = new FakeOutlet(_ => [.. Header(), .. Patterns(ChannelFormat.Float32, 3)]);
        var config = TestLsl.NewConfig() with { WatchdogCheckInterval = 0.2, WatchdogTimeThreshold = 0.5 };
        await using var inlet = new StreamInlet(fake.Info(), recover: false, config: config);
        var lost = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        inlet.ConnectionLost += (_, e) => lost.TrySetResult(e.Error);
        await inlet.OpenStreamAsync(TestLsl.Patience, TestLsl.Timeout());
        Assert.IsType<LslTimeoutException>(await lost.Task.WaitAsync(TimeSpan.FromSeconds(TestLsl.Patience)));
    }

    [Fact]
    public async Task A_big_endian_outlet_is_decoded()
    {
        byte[] BigEndianSample(float[] values, double ts)
        {
            var buffer = new byte[64];
            var raw = values.SelectMany(BitConverter.GetBytes).ToArray();
            return buffer[..SampleCodec110.WriteNumeric(buffer, ts, false, raw, 4, swap: true)];
        }

        var patterns = new FeedEncoder(110, swap: true, ChannelFormat.Float32).TestPatterns(3);
        var header = Encoding.ASCII.GetBytes($"LSL/110 200 OK\r\nUID: {Uid}\r\nByte-Order: 4321\r\nData-Protocol-Version: 110\r\n\r\n");
        await using var fake = new FakeOutlet(_ => [.. header, .. patterns, .. BigEndianSample([1.5f, -2f, 3.25f], 42.0)]);
        await using var inlet = new StreamInlet(fake.Info(), recover: false, config: TestLsl.NewConfig());
        var sample = new float[3];
        Assert.Equal(42.0, inlet.PullSample<float>(sample, TestLsl.Patience));
        Assert.Equal([1.5f, -2f, 3.25f], sample);
        Assert.Contains("Value-Size: 4\r\n", fake.LastRequest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_version_100_fallback_reply_is_decoded()
    {
        var shortInfo = new FakeOutletInfo(Uid).Xml;
        var header = Encoding.ASCII.GetBytes($"LSL/110 200 OK\r\nUID: {Uid}\r\nByte-Order: 1234\r\nData-Protocol-Version: 100\r\n\r\n");
        var encoder = new FeedEncoder(100, false, ChannelFormat.Float32);
        var sample = new byte[32];
        var n = encoder.EncodeNumeric(sample, 7.0, false, [.. BitConverter.GetBytes(1f), .. BitConverter.GetBytes(0f), .. BitConverter.GetBytes(-1f)]);
        await using var fake = new FakeOutlet(_ => [.. header, .. PortableArchive.Header(shortInfo), .. encoder.TestPatterns(3), .. sample[..n]]);
        await using var inlet = new StreamInlet(fake.Info(), recover: false, config: TestLsl.NewConfig());
        var values = new float[3];
        Assert.Equal(7.0, inlet.PullSample<float>(values, TestLsl.Patience));
        Assert.Equal([1f, 0f, -1f], values);
    }

    /// <summary>A shortinfo with a given uid, for archive headers.</summary>
    private sealed class FakeOutletInfo(string uid)
    {
        public string Xml
        {
            get
            {
                var info = new Info.StreamInfo("Fake", "EEG", 3, 100, ChannelFormat.Float32, "fake");
                info.Uid = uid;
                return info.ToShortInfoXml();
            }
        }
    }
}
