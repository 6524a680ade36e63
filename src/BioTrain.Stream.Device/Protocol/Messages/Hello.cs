using System.Buffers;

namespace BioTrain.Stream.Device.Protocol.Messages;

/// <summary>HELLO (protocol/SPEC.md 3.1): the host's protocol version and its largest payload.</summary>
public sealed record Hello(ushort ProtocolMajor, ushort ProtocolMinor, uint MaxPayload, string Host)
{
    public void Encode(IBufferWriter<byte> output)
    {
        var w = new PayloadWriter(output);
        w.U16(ProtocolMajor);
        w.U16(ProtocolMinor);
        w.U32(MaxPayload);
        w.Str8(Host);
    }

    public static Hello Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, MessageType.Hello);
        var hello = new Hello(r.U16("proto_major"), r.U16("proto_minor"), r.U32("max_payload"), r.Str8("host"));
        r.End();
        return hello;
    }
}
