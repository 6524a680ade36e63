using System.Buffers.Binary;
using BioTrain.Stream.Lsl.Internal;

namespace BioTrain.Stream.Lsl.Protocol;

/// <summary>
/// Sample encoding of protocol 1.10: a tag byte (1 deduced, 2 transmitted + f64 timestamp), then the values
/// packed in the negotiated byte order; strings as a length-size byte (1/4/8), the length, the bytes.
/// Values are held in native little-endian byte order; <c>swap</c> writes or reads big-endian.
/// </summary>
internal static class SampleCodec110
{
    public const byte TagDeduced = 1;
    public const byte TagTransmitted = 2;

    public static int NumericSize(bool deduced, int sampleBytes) => (deduced ? 1 : 9) + sampleBytes;

    public static int WriteNumeric(Span<byte> dest, double timestamp, bool deduced, ReadOnlySpan<byte> values, int valueSize, bool swap)
    {
        var pos = WriteTimestamp(dest, timestamp, deduced, swap);
        values.CopyTo(dest[pos..]);
        if (swap)
        {
            ByteOrder.ReverseValues(dest.Slice(pos, values.Length), valueSize);
        }

        return pos + values.Length;
    }

    private static int WriteTimestamp(Span<byte> dest, double timestamp, bool deduced, bool swap)
    {
        if (deduced)
        {
            dest[0] = TagDeduced;
            return 1;
        }

        dest[0] = TagTransmitted;
        if (swap)
        {
            BinaryPrimitives.WriteDoubleBigEndian(dest[1..], timestamp);
        }
        else
        {
            BinaryPrimitives.WriteDoubleLittleEndian(dest[1..], timestamp);
        }

        return 9;
    }

    public static int StringSize(bool deduced, ReadOnlySpan<string> values) => StringSize(deduced, Utf8Values.Encode(values));

    public static int StringSize(bool deduced, ReadOnlySpan<byte[]> values)
    {
        var size = deduced ? 1 : 9;
        foreach (var value in values)
        {
            size += LengthPrefixSize(value.Length) + value.Length;
        }

        return size;
    }

    private static int LengthPrefixSize(long length) => length <= byte.MaxValue ? 2 : length <= uint.MaxValue ? 5 : 9;

    public static int WriteString(Span<byte> dest, double timestamp, bool deduced, ReadOnlySpan<string> values, bool swap) =>
        WriteString(dest, timestamp, deduced, Utf8Values.Encode(values), swap);

    public static int WriteString(Span<byte> dest, double timestamp, bool deduced, ReadOnlySpan<byte[]> values, bool swap)
    {
        var pos = WriteTimestamp(dest, timestamp, deduced, swap);
        foreach (var value in values)
        {
            var n = value.Length;
            if (n <= byte.MaxValue)
            {
                dest[pos++] = 1;
                dest[pos++] = (byte)n;
            }
            else
            {
                dest[pos++] = 4;
                if (swap)
                {
                    BinaryPrimitives.WriteUInt32BigEndian(dest[pos..], (uint)n);
                }
                else
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(dest[pos..], (uint)n);
                }

                pos += 4;
            }

            value.CopyTo(dest[pos..]);
            pos += n;
        }

        return pos;
    }

    /// <summary>Reads the tag and timestamp; false when more bytes are needed.</summary>
    public static bool TryReadTimestamp(ReadOnlySpan<byte> src, bool swap, out double timestamp, out bool deduced, out int consumed)
    {
        timestamp = 0;
        deduced = false;
        consumed = 0;
        if (src.IsEmpty)
        {
            return false;
        }

        switch (src[0])
        {
            case TagDeduced:
                deduced = true;
                consumed = 1;
                return true;
            case TagTransmitted:
                if (src.Length < 9)
                {
                    return false;
                }

                timestamp = swap ? BinaryPrimitives.ReadDoubleBigEndian(src[1..]) : BinaryPrimitives.ReadDoubleLittleEndian(src[1..]);
                consumed = 9;
                return true;
            default:
                throw new LslProtocolException(LslProtocolError.InvalidSampleTag, $"sample tag {src[0]} is neither 1 (deduced) nor 2 (transmitted)");
        }
    }

    /// <summary>Decodes one numeric sample into native values; false when more bytes are needed.</summary>
    public static bool TryReadNumeric(ReadOnlySpan<byte> src, Span<byte> values, int valueSize, bool swap, out double timestamp, out bool deduced, out int consumed)
    {
        if (!TryReadTimestamp(src, swap, out timestamp, out deduced, out var pos) || src.Length - pos < values.Length)
        {
            consumed = 0;
            return false;
        }

        src.Slice(pos, values.Length).CopyTo(values);
        if (swap)
        {
            ByteOrder.ReverseValues(values, valueSize);
        }

        consumed = pos + values.Length;
        return true;
    }

    /// <summary>Decodes one string sample as text; false when more bytes are needed. Lengths above the limit throw.</summary>
    public static bool TryReadString(ReadOnlySpan<byte> src, Span<string> values, bool swap, int maxStringBytes, out double timestamp, out bool deduced, out int consumed)
    {
        var raw = new byte[values.Length][];
        if (!TryReadString(src, raw, swap, maxStringBytes, out timestamp, out deduced, out consumed))
        {
            return false;
        }

        Utf8Values.Decode(raw, values);
        return true;
    }

    /// <summary>Decodes one string sample as the bytes sent; false when more bytes are needed. Lengths above the limit throw.</summary>
    public static bool TryReadString(ReadOnlySpan<byte> src, Span<byte[]> values, bool swap, int maxStringBytes, out double timestamp, out bool deduced, out int consumed)
    {
        consumed = 0;
        if (!TryReadTimestamp(src, swap, out timestamp, out deduced, out var pos))
        {
            return false;
        }

        for (var k = 0; k < values.Length; k++)
        {
            if (pos >= src.Length)
            {
                return false;
            }

            int lengthBytes = src[pos];
            if (lengthBytes is not (1 or 2 or 4 or 8))
            {
                throw new LslProtocolException(LslProtocolError.MalformedResponse, $"string length prefix of {lengthBytes} bytes");
            }

            if (src.Length - pos - 1 < lengthBytes)
            {
                return false;
            }

            var lengthSpan = src.Slice(pos + 1, lengthBytes);
            ulong length = lengthBytes switch
            {
                1 => lengthSpan[0],
                2 => swap ? BinaryPrimitives.ReadUInt16BigEndian(lengthSpan) : BinaryPrimitives.ReadUInt16LittleEndian(lengthSpan),
                4 => swap ? BinaryPrimitives.ReadUInt32BigEndian(lengthSpan) : BinaryPrimitives.ReadUInt32LittleEndian(lengthSpan),
                _ => swap ? BinaryPrimitives.ReadUInt64BigEndian(lengthSpan) : BinaryPrimitives.ReadUInt64LittleEndian(lengthSpan),
            };
            if (length > (ulong)maxStringBytes)
            {
                throw new LslProtocolException(LslProtocolError.StringTooLong, $"string value of {length} bytes exceeds {maxStringBytes}");
            }

            pos += 1 + lengthBytes;
            if ((ulong)(src.Length - pos) < length)
            {
                return false;
            }

            values[k] = src.Slice(pos, (int)length).ToArray();
            pos += (int)length;
        }

        consumed = pos;
        return true;
    }
}
