using System.Buffers;

namespace BioTrain.Stream.Device.Protocol.Messages;

/// <summary>WEIGHTS_DATA (SPEC.md 3.10): a piece of the weight section, with the whole section's size and CRC.</summary>
public sealed record WeightsData(uint Offset, uint Total, uint Crc, ReadOnlyMemory<byte> Bytes)
{
    public void Encode(IBufferWriter<byte> output)
    {
        var w = new PayloadWriter(output);
        w.U32(Offset);
        w.U32(Total);
        w.U32(Crc);
        w.Bytes(Bytes.Span);
    }

    public static WeightsData Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, MessageType.WeightsData);
        var offset = r.U32("offset");
        var total = r.U32("total");
        var crc = r.U32("crc");
        var bytes = r.Take(r.Remaining, "bytes").ToArray();
        if (offset + (ulong)bytes.Length > total)
        {
            throw new MalformedPayloadException(MessageType.WeightsData, $"{bytes.Length} bytes at {offset} run past the {total}-byte section");
        }

        return new WeightsData(offset, total, crc, bytes);
    }
}
