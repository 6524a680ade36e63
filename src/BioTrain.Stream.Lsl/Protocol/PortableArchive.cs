using System.Buffers.Binary;
using System.Text;
using BioTrain.Stream.Lsl.Internal;

namespace BioTrain.Stream.Lsl.Protocol;

/// <summary>
/// The "portable binary archive" of protocol 1.00. An integer is a signed size byte s followed by |s|
/// little-endian bytes (s = 0 means 0; s &lt; 0 means negative, high bytes 0xFF); floats travel as their
/// IEEE bits written as an unsigned integer; strings as an integer length and raw bytes.
/// </summary>
internal static class PortableArchive
{
    public const byte Magic = 127;
    public const int ArchiveVersion = 9;

    /// <summary>Largest encoding of one value of <paramref name="typeSize"/> bytes.</summary>
    public static int MaxIntegerSize(int typeSize) => 1 + typeSize;

    /// <summary>Writes a signed integer: the fewest low bytes that, sign-extended, give the value back.</summary>
    public static int WriteSigned(Span<byte> dest, long value, int typeSize)
    {
        var size = 1;
        if (typeSize > 1)
        {
            var temp = value;
            size = 0;
            do
            {
                temp >>= 8;
                size++;
            }
            while (temp != 0 && temp != -1 && size < typeSize);
        }

        return WriteLowBytes(dest, unchecked((ulong)value), value > 0 ? size : -size);
    }

    /// <summary>Writes an unsigned integer (also the bit pattern of a float): its non-zero low bytes.</summary>
    public static int WriteUnsigned(Span<byte> dest, ulong value, int typeSize)
    {
        var size = 1;
        if (typeSize > 1)
        {
            var temp = value;
            size = 0;
            do
            {
                temp >>= 8;
                size++;
            }
            while (temp != 0);
        }

        return WriteLowBytes(dest, value, size);
    }

    /// <summary>The size byte (negative for negative values), then |size| little-endian bytes; 0 is the single byte 00.</summary>
    private static int WriteLowBytes(Span<byte> dest, ulong bits, int signedSize)
    {
        if (bits == 0)
        {
            dest[0] = 0;
            return 1;
        }

        dest[0] = unchecked((byte)(sbyte)signedSize);
        var size = Math.Abs(signedSize);
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, bits);
        bytes[..size].CopyTo(dest[1..]);
        return 1 + size;
    }

    public static int WriteFloat(Span<byte> dest, float value)
    {
        uint bits = float.IsNaN(value) ? 0x7FFFFFFFu : BitConverter.SingleToUInt32Bits(value);
        return WriteUnsigned(dest, bits, 4);
    }

    public static int WriteDouble(Span<byte> dest, double value)
    {
        ulong bits = double.IsNaN(value) ? 0x7FFFFFFFFFFFFFFFul : BitConverter.DoubleToUInt64Bits(value);
        return WriteUnsigned(dest, bits, 8);
    }

    public static int WriteString(Span<byte> dest, ReadOnlySpan<byte> utf8)
    {
        var pos = WriteUnsigned(dest, (ulong)utf8.Length, 8);
        utf8.CopyTo(dest[pos..]);
        return pos + utf8.Length;
    }

    /// <summary>Reads an integer of <paramref name="typeSize"/> bytes; false when more bytes are needed.</summary>
    public static bool TryReadInteger(ReadOnlySpan<byte> src, int typeSize, bool signed, out long value, out int consumed)
    {
        value = 0;
        consumed = 0;
        if (src.IsEmpty)
        {
            return false;
        }

        var s = unchecked((sbyte)src[0]);
        if (s == 0)
        {
            consumed = 1;
            return true;
        }

        var size = Math.Abs((int)s);
        if (size > typeSize || (s < 0 && !signed))
        {
            throw new LslProtocolException(LslProtocolError.InvalidArchive, $"integer size byte {s} for a {typeSize}-byte {(signed ? "signed" : "unsigned")} value");
        }

        if (src.Length < 1 + size)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[8];
        bytes.Fill(s < 0 ? (byte)0xFF : (byte)0);
        src.Slice(1, size).CopyTo(bytes);
        value = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        consumed = 1 + size;
        return true;
    }

    /// <summary>Writes one numeric sample (values in native little-endian order).</summary>
    public static int WriteNumericSample(Span<byte> dest, double timestamp, bool deduced, ReadOnlySpan<byte> values, ChannelFormat format)
    {
        var pos = WriteTag(dest, timestamp, deduced);
        var size = format.ValueSize();
        for (var i = 0; i < values.Length; i += size)
        {
            var v = values.Slice(i, size);
            pos += format switch
            {
                ChannelFormat.Float32 => WriteFloat(dest[pos..], BinaryPrimitives.ReadSingleLittleEndian(v)),
                ChannelFormat.Double64 => WriteDouble(dest[pos..], BinaryPrimitives.ReadDoubleLittleEndian(v)),
                ChannelFormat.Int32 => WriteSigned(dest[pos..], BinaryPrimitives.ReadInt32LittleEndian(v), 4),
                ChannelFormat.Int16 => WriteSigned(dest[pos..], BinaryPrimitives.ReadInt16LittleEndian(v), 2),
                ChannelFormat.Int8 => WriteSigned(dest[pos..], unchecked((sbyte)v[0]), 1),
                _ => WriteSigned(dest[pos..], BinaryPrimitives.ReadInt64LittleEndian(v), 8),
            };
        }

        return pos;
    }

    public static int MaxNumericSampleSize(int channels, int valueSize) => 2 + 9 + channels * (1 + valueSize);

    public static int StringSampleSize(ReadOnlySpan<string> values) => StringSampleSize(Utf8Values.Encode(values));

    public static int StringSampleSize(ReadOnlySpan<byte[]> values)
    {
        var size = 2 + 9;
        foreach (var value in values)
        {
            size += 9 + value.Length;
        }

        return size;
    }

    public static int WriteStringSample(Span<byte> dest, double timestamp, bool deduced, ReadOnlySpan<string> values) =>
        WriteStringSample(dest, timestamp, deduced, Utf8Values.Encode(values));

    public static int WriteStringSample(Span<byte> dest, double timestamp, bool deduced, ReadOnlySpan<byte[]> values)
    {
        var pos = WriteTag(dest, timestamp, deduced);
        foreach (var value in values)
        {
            pos += WriteUnsigned(dest[pos..], (ulong)value.Length, 8);
            value.CopyTo(dest[pos..]);
            pos += value.Length;
        }

        return pos;
    }

    private static int WriteTag(Span<byte> dest, double timestamp, bool deduced)
    {
        dest[0] = 1;
        dest[1] = deduced ? SampleCodec110.TagDeduced : SampleCodec110.TagTransmitted;
        return deduced ? 2 : 2 + WriteDouble(dest[2..], timestamp);
    }

    private static bool TryReadTag(ReadOnlySpan<byte> src, out double timestamp, out bool deduced, out int consumed)
    {
        timestamp = 0;
        deduced = false;
        consumed = 0;
        if (!TryReadInteger(src, 1, signed: false, out var tag, out var pos))
        {
            return false;
        }

        if (tag == SampleCodec110.TagDeduced)
        {
            deduced = true;
            consumed = pos;
            return true;
        }

        if (tag != SampleCodec110.TagTransmitted)
        {
            throw new LslProtocolException(LslProtocolError.InvalidSampleTag, $"sample tag {tag} is neither 1 nor 2");
        }

        if (!TryReadInteger(src[pos..], 8, signed: false, out var bits, out var n))
        {
            return false;
        }

        timestamp = BitConverter.Int64BitsToDouble(bits);
        consumed = pos + n;
        return true;
    }

    /// <summary>Reads one numeric sample into native little-endian values; false when more bytes are needed.</summary>
    public static bool TryReadNumericSample(ReadOnlySpan<byte> src, Span<byte> values, ChannelFormat format, out double timestamp, out bool deduced, out int consumed)
    {
        consumed = 0;
        if (!TryReadTag(src, out timestamp, out deduced, out var pos))
        {
            return false;
        }

        var size = format.ValueSize();
        var floating = format.IsFloatingPoint();
        for (var i = 0; i < values.Length; i += size)
        {
            if (!TryReadInteger(src[pos..], size, signed: !floating, out var raw, out var n))
            {
                return false;
            }

            var v = values.Slice(i, size);
            switch (size)
            {
                case 1: v[0] = unchecked((byte)raw); break;
                case 2: BinaryPrimitives.WriteInt16LittleEndian(v, unchecked((short)raw)); break;
                case 4: BinaryPrimitives.WriteInt32LittleEndian(v, unchecked((int)raw)); break;
                default: BinaryPrimitives.WriteInt64LittleEndian(v, raw); break;
            }

            pos += n;
        }

        consumed = pos;
        return true;
    }

    public static bool TryReadStringSample(ReadOnlySpan<byte> src, Span<string> values, int maxStringBytes, out double timestamp, out bool deduced, out int consumed)
    {
        var raw = new byte[values.Length][];
        if (!TryReadStringSample(src, raw, maxStringBytes, out timestamp, out deduced, out consumed))
        {
            return false;
        }

        Utf8Values.Decode(raw, values);
        return true;
    }

    public static bool TryReadStringSample(ReadOnlySpan<byte> src, Span<byte[]> values, int maxStringBytes, out double timestamp, out bool deduced, out int consumed)
    {
        consumed = 0;
        if (!TryReadTag(src, out timestamp, out deduced, out var pos))
        {
            return false;
        }

        for (var k = 0; k < values.Length; k++)
        {
            if (!TryReadBytes(src[pos..], maxStringBytes, out var value, out var n))
            {
                return false;
            }

            values[k] = value;
            pos += n;
        }

        consumed = pos;
        return true;
    }

    public static bool TryReadString(ReadOnlySpan<byte> src, int maxBytes, out string value, out int consumed)
    {
        var ok = TryReadBytes(src, maxBytes, out var bytes, out consumed);
        value = ok ? Encoding.UTF8.GetString(bytes) : string.Empty;
        return ok;
    }

    public static bool TryReadBytes(ReadOnlySpan<byte> src, int maxBytes, out byte[] value, out int consumed)
    {
        value = [];
        consumed = 0;
        if (!TryReadInteger(src, 8, signed: false, out var length, out var pos))
        {
            return false;
        }

        if ((ulong)length > (ulong)maxBytes)
        {
            throw new LslProtocolException(LslProtocolError.StringTooLong, $"string of {(ulong)length} bytes exceeds {maxBytes}");
        }

        if (src.Length - pos < length)
        {
            return false;
        }

        value = src.Slice(pos, (int)length).ToArray();
        consumed = pos + (int)length;
        return true;
    }

    /// <summary>The archive header: magic, version 9, the shortinfo, and the sample class info (00 00).</summary>
    public static byte[] Header(string shortInfo)
    {
        var xml = Encoding.UTF8.GetBytes(shortInfo);
        var buffer = new byte[3 + 9 + xml.Length + 2];
        buffer[0] = Magic;
        var pos = 1 + WriteSigned(buffer.AsSpan(1), ArchiveVersion, 4);
        pos += WriteString(buffer.AsSpan(pos), xml);
        buffer[pos++] = 0; // tracking = false
        buffer[pos++] = 0; // class version 0
        return buffer[..pos];
    }
}
