using BioTrain.Stream.Device.Client;
using BioTrain.Stream.Device.Protocol;
using BioTrain.Stream.Device.Transport;

namespace BioTrain.Stream.Device.Tests;

/// <summary>
/// A device that misbehaves once: the client raises a typed error for that request and the
/// next request on the same client succeeds.
/// </summary>
public class HostileDeviceTests
{
    // One attempt: every link fault surfaces as its typed error (retransmission is tested below).
    private static readonly DeviceClientOptions Fast = new() { RequestTimeout = TimeSpan.FromSeconds(2), AttemptTimeout = TimeSpan.FromSeconds(2), MaxAttempts = 1 };

    private static async Task<(ScriptedDevice Device, DeviceClient Client)> Open(Func<ReceivedFrame, byte[]?> firstReply, Func<ReceivedFrame, byte[]>? hello = null)
    {
        var device = new ScriptedDevice((i, f) => i == 0 ? firstReply(f) : ScriptedDevice.Echo(f), hello);
        var transport = await SocketTransport.ConnectUnixAsync(device.Path, CancellationToken.None);
        var client = await DeviceClient.ConnectAsync(transport, Fast, CancellationToken.None);
        return (device, client);
    }

    private static async Task<TException> FirstPingFailsThenNextWorks<TException>(Func<ReceivedFrame, byte[]?> firstReply)
        where TException : DeviceException
    {
        var (device, client) = await Open(firstReply);
        await using (device)
        await using (client)
        {
            var error = await Assert.ThrowsAsync<TException>(() => client.PingAsync("first"u8.ToArray(), CancellationToken.None));
            var rtt = await client.PingAsync("second"u8.ToArray(), CancellationToken.None);
            Assert.True(rtt > TimeSpan.Zero);
            return error;
        }
    }

    private static byte[] Bytes(string hex) => Convert.FromHexString(hex);

    [Fact]
    public async Task Garbage_bytes_are_a_protocol_error()
    {
        var e = await FirstPingFailsThenNextWorks<DeviceProtocolException>(_ => Bytes("DEADBEEF01020300"));
        Assert.True(e.FrameError is DeviceErrorCode.BadFraming or DeviceErrorCode.BadCrc, e.FrameError.ToString());
    }

    [Fact]
    public async Task Truncated_frame_is_bad_framing()
    {
        var e = await FirstPingFailsThenNextWorks<DeviceProtocolException>(f =>
        {
            var full = ScriptedDevice.Echo(f);
            return [.. full.AsSpan(0, full.Length - 5), 0];
        });
        Assert.Equal(DeviceErrorCode.BadFraming, e.FrameError);
    }

    [Fact]
    public async Task Wrong_crc_is_rejected()
    {
        var vector = GoldenVector.LoadAll().Single(v => v.Name == "bad-crc");
        var e = await FirstPingFailsThenNextWorks<DeviceProtocolException>(_ => vector.Frame);
        Assert.Equal(DeviceErrorCode.BadCrc, e.FrameError);
    }

    [Fact]
    public async Task Oversize_length_field_is_rejected()
    {
        var vector = GoldenVector.LoadAll().Single(v => v.Name == "bad-length-oversize");
        var e = await FirstPingFailsThenNextWorks<DeviceProtocolException>(_ => vector.Frame);
        Assert.Equal(DeviceErrorCode.BadLength, e.FrameError);
    }

    [Fact]
    public async Task Unknown_response_type_is_a_protocol_error()
    {
        var e = await FirstPingFailsThenNextWorks<DeviceProtocolException>(f => ScriptedDevice.Frame((MessageType)0x55, f.Header.Seq, []));
        Assert.Contains("0x55", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Corrupted_echo_is_detected_byte_for_byte()
    {
        var e = await FirstPingFailsThenNextWorks<DeviceProtocolException>(f =>
        {
            var payload = f.Payload.ToArray();
            payload[2] ^= 0x01;
            return ScriptedDevice.Frame(MessageType.Pong, f.Header.Seq, payload);
        });
        Assert.Contains("at byte 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Error_answer_is_a_device_error_with_its_code()
    {
        var e = await FirstPingFailsThenNextWorks<DeviceErrorException>(f => ScriptedDevice.Error(f.Header.Seq, DeviceErrorCode.Busy, "training"));
        Assert.Equal(DeviceErrorCode.Busy, e.Code);
        Assert.Equal("training", e.DeviceText);
    }

    [Fact]
    public async Task Unsolicited_bad_crc_error_fails_the_waiting_request()
    {
        var e = await FirstPingFailsThenNextWorks<DeviceErrorException>(_ => ScriptedDevice.Error(0, DeviceErrorCode.BadCrc, "bad CRC", FrameFlagBits.Unsolicited));
        Assert.Equal(DeviceErrorCode.BadCrc, e.Code);
    }

    [Fact]
    public async Task Silence_is_a_lost_device_and_the_client_stays_usable()
    {
        var (device, client) = await Open(_ => null);
        await using (device)
        await using (client)
        {
            await Assert.ThrowsAsync<DeviceLostException>(() => client.PingAsync("lost"u8.ToArray(), CancellationToken.None));
            Assert.Equal(1, client.Counters.Timeouts);
            await client.PingAsync("next"u8.ToArray(), CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_peer_that_floods_without_delimiter_is_bounded()
    {
        var e = await FirstPingFailsThenNextWorks<DeviceProtocolException>(_ => [.. Enumerable.Repeat((byte)0x41, 3 << 20), 0]);
        Assert.Equal(DeviceErrorCode.FrameTooLarge, e.FrameError);
    }

    [Fact]
    public async Task Hangup_mid_request_disconnects_the_client()
    {
        var (device, client) = await Open(_ => ScriptedDevice.Hangup);
        await using (device)
        await using (client)
        {
            await Assert.ThrowsAsync<DeviceLostException>(() => client.PingAsync("x"u8.ToArray(), CancellationToken.None));
            await Assert.ThrowsAsync<DeviceDisconnectedException>(() => client.PingAsync("y"u8.ToArray(), CancellationToken.None));
        }
    }

    [Fact]
    public async Task Version_mismatch_names_both_versions()
    {
        var device = new ScriptedDevice((_, f) => null, hello => ScriptedDevice.Error(hello.Header.Seq, DeviceErrorCode.VersionMismatch, "protocol version mismatch: device 2.0, host 1.0"));
        await using (device)
        {
            var transport = await SocketTransport.ConnectUnixAsync(device.Path, CancellationToken.None);
            var e = await Assert.ThrowsAsync<ProtocolVersionMismatchException>(() => DeviceClient.ConnectAsync(transport, Fast, CancellationToken.None));
            Assert.Contains("device 2.0", e.Message, StringComparison.Ordinal);
            Assert.Contains("host 1.0", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Capabilities_of_another_major_version_fail_the_handshake()
    {
        var device = new ScriptedDevice((_, f) => null, hello =>
        {
            var w = new System.Buffers.ArrayBufferWriter<byte>();
            new Protocol.Messages.Capabilities(3, 2, "future", "test", 4096, 1, 1, 0, 1, [], 0).Encode(w);
            return ScriptedDevice.Frame(MessageType.Capabilities, hello.Header.Seq, w.WrittenSpan);
        });
        await using (device)
        {
            var transport = await SocketTransport.ConnectUnixAsync(device.Path, CancellationToken.None);
            var e = await Assert.ThrowsAsync<ProtocolVersionMismatchException>(() => DeviceClient.ConnectAsync(transport, Fast, CancellationToken.None));
            Assert.Contains("device 3.2, host 1.0", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Oversized_request_is_refused_before_sending()
    {
        var (device, client) = await Open(ScriptedDevice.Echo);
        await using (device)
        await using (client)
        {
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.PingAsync(new byte[client.MaxRequestPayload + 1], CancellationToken.None));
            Assert.Equal(0, client.Counters.Timeouts);
        }
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("truncated")]
    [InlineData("bad-crc")]
    [InlineData("silence")]
    [InlineData("unsolicited-bad-crc")]
    public async Task With_retransmission_a_one_off_fault_is_invisible(string fault)
    {
        var options = new DeviceClientOptions { RequestTimeout = TimeSpan.FromSeconds(10), AttemptTimeout = TimeSpan.FromSeconds(1) };
        var badCrc = GoldenVector.LoadAll().Single(v => v.Name == "bad-crc").Frame;
        var executed = 0;
        var device = new ScriptedDevice((i, f) =>
        {
            if (i > 0)
            {
                // The retransmission carries the same seq and the RETRANSMIT flag.
                Assert.Equal(FrameFlagBits.Retransmit, f.Header.Flags & FrameFlagBits.Retransmit);
                executed++;
                return ScriptedDevice.Echo(f);
            }

            return fault switch
            {
                "garbage" => Bytes("DEADBEEF01020300"),
                "truncated" => [.. ScriptedDevice.Echo(f).AsSpan(0, 10), 0],
                "bad-crc" => badCrc,
                "silence" => null,
                _ => ScriptedDevice.Error(0, DeviceErrorCode.BadCrc, "bad CRC", FrameFlagBits.Unsolicited),
            };
        });
        await using (device)
        {
            var transport = await SocketTransport.ConnectUnixAsync(device.Path, CancellationToken.None);
            await using var client = await DeviceClient.ConnectAsync(transport, options, CancellationToken.None);
            await client.PingAsync("payload"u8.ToArray(), CancellationToken.None);
            Assert.Equal(1, client.Counters.Retransmissions);
            Assert.Equal(1, executed);
        }
    }
}
