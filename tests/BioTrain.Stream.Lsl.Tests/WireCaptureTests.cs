using System.Text;
using BioTrain.Stream.Lsl.Outlet;
using BioTrain.Stream.Lsl.Protocol;

namespace BioTrain.Stream.Lsl.Tests;

/// <summary>Byte-exact checks against the captures in lsl-protocol.md (liblsl 1.16.2 on loopback).</summary>
public class WireCaptureTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal));

    [Fact]
    public void Streamfeed_request_matches_the_liblsl_inlet_capture()
    {
        var request = new FeedRequest
        {
            Version = 110,
            Uid = "603dde4a-2def-4c32-9cae-be4367ab3a3d",
            ByteOrder = 1234,
            EndianPerformance = 8783870.9,
            HasIeee754Floats = true,
            SupportsSubnormals = true,
            ValueSize = 4,
            MaxBufferLength = 36000,
            MaxChunkLength = 0,
            Hostname = "pyhost",
            SourceId = "pysrc",
            SessionId = "default",
        };
        const string expected = "LSL:streamfeed/110 603dde4a-2def-4c32-9cae-be4367ab3a3d\r\nNative-Byte-Order: 1234\r\nEndian-Performance: 8.78387e+06\r\n" +
            "Has-IEEE754-Floats: 1\r\nSupports-Subnormals: 1\r\nValue-Size: 4\r\nData-Protocol-Version: 110\r\nMax-Buffer-Length: 36000\r\n" +
            "Max-Chunk-Length: 0\r\nHostname: pyhost\r\nSource-Id: pysrc\r\nSession-Id: default\r\n\r\n";
        Assert.Equal(expected, request.Format());

        var lines = expected.Split("\r\n");
        var (version, uid) = FeedRequest.ParseRequestLine(lines[0]);
        var parsed = FeedRequest.ParseHeaders(version, uid, lines[1..].Where(l => l.Length > 0));
        Assert.Equal(36000, parsed.MaxBufferLength);
        Assert.Equal(4, parsed.ValueSize);
        Assert.Equal("603dde4a-2def-4c32-9cae-be4367ab3a3d", parsed.Uid);
    }

    [Fact]
    public void Version_100_request_is_two_lines() =>
        Assert.Equal("LSL:streamfeed\r\n360 0\r\n", new FeedRequest { Version = 100, MaxBufferLength = 360 }.Format());

    [Fact]
    public void Response_header_matches_the_capture()
    {
        var response = new FeedResponse { Uid = "1f952ab9-570f-42f3-a598-67703c85cf3d" };
        Assert.Equal("LSL/110 200 OK\r\nUID: 1f952ab9-570f-42f3-a598-67703c85cf3d\r\nByte-Order: 1234\r\nSuppress-Subnormals: 0\r\nData-Protocol-Version: 110\r\n\r\n", response.Format());
        Assert.Equal("LSL/110 404 Not found", FeedResponse.FormatError(110, 404, "Not found"));
    }

    [Fact]
    public void Float32_test_patterns_match_the_capture()
    {
        var encoder = new FeedEncoder(110, swap: false, ChannelFormat.Float32);
        var expected = Hex("02 c9 76 be 9f 0c 24 fe 40 00 00 80 40 00 00 a0 c0 00 00 c0 40" +
                           "02 c9 76 be 9f 0c 24 fe 40 00 00 00 40 00 00 40 c0 00 00 80 40");
        Assert.Equal(expected, encoder.TestPatterns(3));
    }

    [Theory]
    [InlineData(ChannelFormat.Double64, 4, new double[] { 16777221, -16777222, 16777223 })]
    [InlineData(ChannelFormat.Double64, 2, new double[] { 16777219, -16777220, 16777221 })]
    [InlineData(ChannelFormat.Int32, 4, new double[] { 65541, -65542, 65543 })]
    [InlineData(ChannelFormat.Int16, 2, new double[] { 259, -260, 261 })]
    [InlineData(ChannelFormat.Int8, 4, new double[] { 5, -6, 7 })]
    [InlineData(ChannelFormat.Int64, 2, new double[] { 2147483651, -2147483652, 2147483653 })]
    public void Test_pattern_values_match_the_table(ChannelFormat format, int offset, double[] expected)
    {
        var bytes = TestPattern.Numeric(format, 3, offset);
        var values = new double[3];
        Internal.ValueConverter.FromFormat<double>(bytes, format, values);
        Assert.Equal(expected, values);
    }

    [Fact]
    public void String_test_pattern_is_decimal_of_k_plus_10() =>
        Assert.Equal(["10", "-11", "12"], TestPattern.Strings(3));

    [Fact]
    public void String_samples_use_one_or_four_byte_lengths()
    {
        var buffer = new byte[400];
        var n = SampleCodec110.WriteString(buffer, 0, deduced: true, ["hello", "", "a longer marker string"], swap: false);
        Assert.Equal(Hex("01 01 05").Concat(Encoding.ASCII.GetBytes("hello")).Concat(Hex("01 00 01 16")).Concat(Encoding.ASCII.GetBytes("a longer marker string")), buffer[..n]);

        var longValue = new string('x', 300);
        n = SampleCodec110.WriteString(buffer, 0, deduced: true, [longValue], swap: false);
        Assert.Equal(Hex("01 04 2c 01 00 00"), buffer[..6]);
        Assert.Equal(306, n);
    }

    [Fact]
    public void Float32_sample_sizes_are_21_and_13_bytes()
    {
        Assert.Equal(21, SampleCodec110.NumericSize(deduced: false, 12));
        Assert.Equal(13, SampleCodec110.NumericSize(deduced: true, 12));
    }

    [Theory]
    [InlineData(65541L, 4, "03 05 00 01")]
    [InlineData(-1L, 4, "ff ff")]
    [InlineData(0L, 4, "00")]
    [InlineData(97L, 1, "01 61")]
    [InlineData(-6L, 1, "ff fa")]
    public void Portable_archive_integers_match_the_notes(long value, int size, string hex)
    {
        var buffer = new byte[16];
        var n = PortableArchive.WriteSigned(buffer, value, size);
        Assert.Equal(Hex(hex), buffer[..n]);
        Assert.True(PortableArchive.TryReadInteger(buffer.AsSpan(0, n), size, signed: true, out var back, out var consumed));
        Assert.Equal(value, back);
        Assert.Equal(n, consumed);
    }

    [Theory]
    [InlineData(0.0f, "00")]
    [InlineData(1.0f, "04 00 00 80 3f")]
    [InlineData(-5.0f, "04 00 00 a0 c0")]
    public void Portable_archive_floats_match_the_notes(float value, string hex)
    {
        var buffer = new byte[8];
        Assert.Equal(Hex(hex), buffer[..PortableArchive.WriteFloat(buffer, value)]);
    }

    [Fact]
    public void Portable_archive_double_timestamp_matches_the_notes()
    {
        var buffer = new byte[9];
        Assert.Equal(Hex("08 c9 76 be 9f 0c 24 fe 40"), buffer[..PortableArchive.WriteDouble(buffer, 123456.789)]);
    }

    [Fact]
    public void Version_100_test_patterns_for_strings_match_the_notes()
    {
        var encoder = new FeedEncoder(100, swap: false, ChannelFormat.String);
        var ts = Hex("01 02 08 c9 76 be 9f 0c 24 fe 40");
        var values = Hex("01 02").Concat("10"u8.ToArray()).Concat(Hex("01 03")).Concat("-11"u8.ToArray()).Concat(Hex("01 02")).Concat("12"u8.ToArray());
        var one = ts.Concat(values).ToArray();
        Assert.Equal(one.Concat(one), encoder.TestPatterns(3));
    }

    [Fact]
    public void Archive_header_starts_with_magic_and_version_9()
    {
        var header = PortableArchive.Header(new string('x', 627));
        Assert.Equal(Hex("7f 01 09 02 73 02"), header[..6]);
        Assert.Equal(Hex("00 00"), header[^2..]);
    }

    [Fact]
    public void Discovery_query_matches_the_capture()
    {
        var bytes = DiscoveryPacket.FormatQuery("session_id='default' and name='PyStream'", 16572, "15849993185282007989");
        Assert.Equal("LSL:shortinfo\r\nsession_id='default' and name='PyStream'\r\n16572 15849993185282007989\r\n", Encoding.ASCII.GetString(bytes));
        Assert.True(DiscoveryPacket.TrySplitMethod(Encoding.ASCII.GetString(bytes), out var method, out var body));
        Assert.Equal("LSL:shortinfo", method);
        Assert.True(DiscoveryPacket.TryParseQuery(body, 4096, out var predicate, out var port, out var id));
        Assert.Equal(("session_id='default' and name='PyStream'", 16572, "15849993185282007989"), (predicate, port, id));
    }

    [Fact]
    public void Time_packets_match_the_capture()
    {
        Assert.Equal("LSL:timedata\r\n1804289383 582.634496003\r\n", Encoding.ASCII.GetString(TimeDataPacket.FormatRequest(1804289383, 582.634496003)));
        var reply = TimeDataPacket.FormatReply(77, 123.4567890123456, 479.043842424, 479.043905368);
        Assert.Equal(" 77 123.4567890123456 479.043842424 479.043905368", Encoding.ASCII.GetString(reply));
        Assert.True(TimeDataPacket.TryParseReply(reply, out var wave, out var t0, out var t1, out var t2));
        Assert.Equal((77, 123.4567890123456, 479.043842424, 479.043905368), (wave, t0, t1, t2));
    }
}
