using System.Buffers.Binary;

namespace BioTrain.Stream.Formats.Xdf;

/// <summary>Byte-level facts of the XDF container: magic, boundary UUID and the variable-length integers.</summary>
public static class XdfLayout
{
    /// <summary>"XDF:" at offset 0.</summary>
    public static ReadOnlySpan<byte> Magic => "XDF:"u8;

    /// <summary>The 16 bytes of every Boundary chunk; readers resynchronise on them after corruption.</summary>
    public static ReadOnlySpan<byte> BoundaryUuid =>
        [0x43, 0xA5, 0x46, 0xDC, 0xCB, 0xF5, 0x41, 0x0F, 0xB3, 0x0E, 0xD5, 0x46, 0x73, 0x83, 0xCB, 0xE4];

    /// <summary>Bytes a varlen needs: 1 prefix byte plus 1, 4 or 8 value bytes.</summary>
    public static int VarLenSize(ulong value) => value < 256 ? 2 : value <= uint.MaxValue ? 5 : 9;

    /// <summary>Writes a varlen (prefix 1, 4 or 8, then the little-endian value); returns the bytes written.</summary>
    public static int WriteVarLen(Span<byte> destination, ulong value)
    {
        if (value < 256)
        {
            destination[0] = 1;
            destination[1] = (byte)value;
            return 2;
        }
        if (value <= uint.MaxValue)
        {
            destination[0] = 4;
            BinaryPrimitives.WriteUInt32LittleEndian(destination[1..], (uint)value);
            return 5;
        }
        destination[0] = 8;
        BinaryPrimitives.WriteUInt64LittleEndian(destination[1..], value);
        return 9;
    }

    /// <summary>Reads a varlen at <paramref name="position"/>. False when the prefix is not 1, 4 or 8 or the bytes run out.</summary>
    public static bool TryReadVarLen(ReadOnlySpan<byte> source, ref int position, out ulong value)
    {
        value = 0;
        if (position >= source.Length)
        {
            return false;
        }
        int width = source[position];
        if (width is not (1 or 4 or 8) || position + 1 + width > source.Length)
        {
            return false;
        }
        var bytes = source.Slice(position + 1, width);
        value = width switch
        {
            1 => bytes[0],
            4 => BinaryPrimitives.ReadUInt32LittleEndian(bytes),
            _ => BinaryPrimitives.ReadUInt64LittleEndian(bytes),
        };
        position += 1 + width;
        return true;
    }

    /// <summary>Whether a chunk with this tag carries a 4-byte stream id after the tag.</summary>
    public static bool HasStreamId(XdfChunkTag tag) =>
        tag is XdfChunkTag.StreamHeader or XdfChunkTag.Samples or XdfChunkTag.ClockOffset or XdfChunkTag.StreamFooter;
}
