using System.Buffers;

namespace BioTrain.Stream.Device.Protocol.Messages;

/// <summary>CAPABILITIES (protocol/SPEC.md 3.2): what the device is and what it can hold.</summary>
public sealed record Capabilities(
    ushort ProtocolMajor,
    ushort ProtocolMinor,
    string Firmware,
    string Port,
    uint MaxPayload,
    uint ClockHz,
    byte Cores,
    DeviceFeatures Features,
    ushort RxCredit,
    IReadOnlyList<MemoryRegion> Regions,
    uint ArenaBytes)
{
    public void Encode(IBufferWriter<byte> output)
    {
        var w = new PayloadWriter(output);
        w.U16(ProtocolMajor);
        w.U16(ProtocolMinor);
        w.Str8(Firmware);
        w.Str8(Port);
        w.U32(MaxPayload);
        w.U32(ClockHz);
        w.U8(Cores);
        w.U8((byte)Features);
        w.U16(RxCredit);
        w.U8(checked((byte)Regions.Count));
        foreach (var region in Regions)
        {
            w.Str8(region.Name);
            w.U32(region.Base);
            w.U32(region.Size);
        }

        w.U32(ArenaBytes);
    }

    public static Capabilities Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, MessageType.Capabilities);
        var major = r.U16("proto_major");
        var minor = r.U16("proto_minor");
        var firmware = r.Str8("firmware");
        var port = r.Str8("port");
        var maxPayload = r.U32("max_payload");
        var clock = r.U32("clock_hz");
        var cores = r.U8("cores");
        var features = (DeviceFeatures)r.U8("features");
        var credit = r.U16("rx_credit");
        var count = r.U8("region_count");
        var regions = new MemoryRegion[r.Count(count, 9, "regions")];
        for (var i = 0; i < count; i++)
        {
            regions[i] = new MemoryRegion(r.Str8("region.name"), r.U32("region.base"), r.U32("region.size"));
        }

        var arena = r.U32("arena_bytes");
        r.End();
        if (maxPayload < ProtocolVersion.MinimumMaxPayload)
        {
            throw new MalformedPayloadException(MessageType.Capabilities, $"max_payload {maxPayload} is below the minimum {ProtocolVersion.MinimumMaxPayload}");
        }

        if (credit == 0)
        {
            throw new MalformedPayloadException(MessageType.Capabilities, "rx_credit is 0: the device could never accept a request");
        }

        return new Capabilities(major, minor, firmware, port, maxPayload, clock, cores, features, credit, regions, arena);
    }
}
