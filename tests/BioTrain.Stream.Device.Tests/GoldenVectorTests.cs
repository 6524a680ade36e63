using System.Buffers;
using System.IO.Pipelines;
using BioTrain.Stream.Device.Protocol;
using BioTrain.Stream.Device.Protocol.Messages;

namespace BioTrain.Stream.Device.Tests;

/// <summary>The C# codec against protocol/vectors, which the C tests check too.</summary>
public class GoldenVectorTests
{
    public static TheoryData<string> Messages() => [.. GoldenVector.LoadAll().Where(v => v.ExpectError is null).Select(v => v.Name)];

    public static TheoryData<string> BadFrames() => [.. GoldenVector.LoadAll().Where(v => v.ExpectError is not null).Select(v => v.Name)];

    private static GoldenVector Get(string name) => GoldenVector.LoadAll().Single(v => v.Name == name);

    [Fact]
    public void Every_message_of_SPEC_has_vectors()
    {
        var types = GoldenVector.LoadAll().Where(v => v.ExpectError is null).Select(v => (MessageType)v.UInt("type")).ToHashSet();
        Assert.Equal(Enum.GetValues<MessageType>().ToHashSet(), types);
        Assert.True(BadFrames().Count >= 7);
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public async Task Decodes_frame_into_the_vector_fields(string name)
    {
        var v = Get(name);
        using var frame = await ReadOne(v.Frame);
        var h = frame.Header;
        Assert.Equal(v.UInt("version"), h.Version);
        Assert.Equal(v.UInt("type"), (ulong)h.Type);
        Assert.Equal(v.UInt("flags"), (ulong)h.Flags);
        Assert.Equal(v.UInt("seq"), h.Seq);
        Assert.Equal(v.UInt("credit"), h.Credit);
        Assert.Equal(PayloadFromFields(v), frame.Payload.ToArray());
        CheckDecodedFields(v, h.Type, frame.Payload);
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Encodes_vector_fields_into_the_exact_frame(string name)
    {
        var v = Get(name);
        var header = new FrameHeader((byte)v.UInt("version"), (MessageType)v.UInt("type"), (FrameFlagBits)v.UInt("flags"), (ushort)v.UInt("seq"), (ushort)v.UInt("credit"), 0);
        var output = new ArrayBufferWriter<byte>();
        FrameWriter.Write(output, header, PayloadFromFields(v));
        Assert.Equal(Convert.ToHexString(v.Frame), Convert.ToHexString(output.WrittenSpan));
    }

    [Theory]
    [MemberData(nameof(BadFrames))]
    public async Task Rejects_bad_frames_with_the_vector_error(string name)
    {
        var v = Get(name);
        var expected = DeviceErrorCodes.FromSpecName(v.ExpectError!);
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(v.Frame);
        await pipe.Writer.CompleteAsync();
        var result = await new FrameReader(pipe.Reader, 4096, ProtocolVersion.FrameVersion).ReadAsync(CancellationToken.None);
        DeviceErrorCode actual;
        if (result.Frame is { } frame)
        {
            // Frame-level valid: the error is at message level, as a device finds it.
            using (frame)
            {
                actual = MessageLevelError(frame);
            }
        }
        else
        {
            actual = result.Rejection.Error;
        }

        Assert.Equal(expected, actual);
    }

    private static DeviceErrorCode MessageLevelError(ReceivedFrame frame)
    {
        if (!MessageTypes.IsKnown(frame.Header.Type))
        {
            return DeviceErrorCode.UnknownType;
        }

        try
        {
            _ = frame.Header.Type == MessageType.Hello ? Hello.Decode(frame.Payload) : null;
            return DeviceErrorCode.None;
        }
        catch (MalformedPayloadException)
        {
            return DeviceErrorCode.MalformedPayload;
        }
    }

    private static async Task<ReceivedFrame> ReadOne(byte[] wire)
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(wire);
        await pipe.Writer.CompleteAsync();
        var result = await new FrameReader(pipe.Reader, 65536, null).ReadAsync(CancellationToken.None);
        Assert.True(result.Frame is not null, $"rejected: {result.Rejection.Error}");
        return result.Frame!;
    }

    private static byte[] PayloadFromFields(GoldenVector v)
    {
        var output = new ArrayBufferWriter<byte>();
        switch ((MessageType)v.UInt("type"))
        {
            case MessageType.Hello:
                new Hello((ushort)v.UInt("payload.proto_major"), (ushort)v.UInt("payload.proto_minor"), (uint)v.UInt("payload.max_payload"), v["payload.host"]!).Encode(output);
                break;
            case MessageType.Capabilities:
                var regions = Enumerable.Range(0, (int)v.UInt("payload.region_count"))
                    .Select(i => new MemoryRegion(v[$"payload.regions.{i}.name"]!, (uint)v.UInt($"payload.regions.{i}.base"), (uint)v.UInt($"payload.regions.{i}.size")))
                    .ToArray();
                new Capabilities(
                    (ushort)v.UInt("payload.proto_major"), (ushort)v.UInt("payload.proto_minor"), v["payload.firmware"]!, v["payload.port"]!,
                    (uint)v.UInt("payload.max_payload"), (uint)v.UInt("payload.clock_hz"), (byte)v.UInt("payload.cores"),
                    (DeviceFeatures)v.UInt("payload.features"), (ushort)v.UInt("payload.rx_credit"), regions).Encode(output);
                break;
            case MessageType.Ping:
            case MessageType.Pong:
                return v.Hex("payload.data");
            case MessageType.Error:
                new ErrorMessage((DeviceErrorCode)v.UInt("payload.code"), (byte)v.UInt("payload.request_type"), v["payload.text"]!).Encode(output);
                break;
            default:
                throw new InvalidOperationException($"no payload builder for {v.Name}");
        }

        return output.WrittenSpan.ToArray();
    }

    private static void CheckDecodedFields(GoldenVector v, MessageType type, ReadOnlySpan<byte> payload)
    {
        switch (type)
        {
            case MessageType.Hello:
                var hello = Hello.Decode(payload);
                Assert.Equal(v["payload.host"], hello.Host);
                Assert.Equal(v.UInt("payload.max_payload"), hello.MaxPayload);
                break;
            case MessageType.Capabilities:
                var caps = Capabilities.Decode(payload);
                Assert.Equal(v["payload.port"], caps.Port);
                Assert.Equal(v.UInt("payload.clock_hz"), caps.ClockHz);
                Assert.Equal((int)v.UInt("payload.region_count"), caps.Regions.Count);
                Assert.Equal(v["payload.regions.1.name"], caps.Regions[1].Name);
                Assert.Equal(v.UInt("payload.regions.0.size"), caps.Regions[0].Size);
                break;
            case MessageType.Error:
                var error = ErrorMessage.Decode(payload);
                Assert.Equal(v.UInt("payload.code"), (ulong)error.Code);
                Assert.Equal(v["payload.text"], error.Text);
                break;
            default:
                break;
        }
    }
}
