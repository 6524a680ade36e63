using System.Buffers;
using System.Buffers.Binary;
using BioTrain.Stream.Models;

namespace BioTrain.Stream.Device.Protocol;

/// <summary>Writes frames (header + payload + CRC-32C, COBS, delimiter) straight into a buffer writer.</summary>
public static class FrameWriter
{
    /// <summary>Bytes a frame with this payload can take on the wire, delimiters included.</summary>
    public static int MaxWireLength(int payloadLength) => Cobs.MaxEncodedLength(payloadLength + FrameHeader.Overhead) + 2;

    /// <summary>Encodes one frame; the header's length field is set from the payload.</summary>
    public static int Write(IBufferWriter<byte> output, FrameHeader header, ReadOnlySpan<byte> payload, bool leadingDelimiter = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        var span = output.GetSpan(MaxWireLength(payload.Length));
        var n = Write(span, header, payload, leadingDelimiter);
        output.Advance(n);
        return n;
    }

    /// <summary>Encodes one frame into <paramref name="destination"/>, which holds <see cref="MaxWireLength"/> bytes.</summary>
    public static int Write(Span<byte> destination, FrameHeader header, ReadOnlySpan<byte> payload, bool leadingDelimiter = false)
    {
        Span<byte> head = stackalloc byte[FrameHeader.Size];
        (header with { Length = (uint)payload.Length }).Write(head);
        Span<byte> crc = stackalloc byte[FrameHeader.CrcSize];
        BinaryPrimitives.WriteUInt32LittleEndian(crc, Crc32C.Finish(Crc32C.Append(Crc32C.Append(Crc32C.Initial, head), payload)));

        var offset = 0;
        if (leadingDelimiter)
        {
            destination[0] = 0;
            offset = 1;
        }

        var encoder = new CobsEncoder(destination[offset..]);
        encoder.Write(head);
        encoder.Write(payload);
        encoder.Write(crc);
        return offset + encoder.Finish();
    }
}
