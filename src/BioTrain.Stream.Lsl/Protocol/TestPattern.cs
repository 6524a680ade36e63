using System.Buffers.Binary;
using System.Globalization;

namespace BioTrain.Stream.Lsl.Protocol;

/// <summary>
/// The two test-pattern samples (offsets 4 and 2) that open every data feed. Channel k carries
/// k + offset + base (reduced modulo the type's maximum for integers), negated for odd k.
/// </summary>
internal static class TestPattern
{
    public static readonly int[] Offsets = [4, 2];

    /// <summary>Writes the numeric pattern as native little-endian values.</summary>
    public static void WriteNumeric(ChannelFormat format, int channels, int offset, Span<byte> values)
    {
        for (var k = 0; k < channels; k++)
        {
            var sign = (k & 1) == 1 ? -1 : 1;
            switch (format)
            {
                case ChannelFormat.Float32:
                    BinaryPrimitives.WriteSingleLittleEndian(values[(k * 4)..], sign * (float)(k + offset));
                    break;
                case ChannelFormat.Double64:
                    BinaryPrimitives.WriteDoubleLittleEndian(values[(k * 8)..], sign * (double)(k + offset + 16777217L));
                    break;
                case ChannelFormat.Int32:
                    BinaryPrimitives.WriteInt32LittleEndian(values[(k * 4)..], sign * (int)((ulong)(k + offset + 65537L) % int.MaxValue));
                    break;
                case ChannelFormat.Int16:
                    BinaryPrimitives.WriteInt16LittleEndian(values[(k * 2)..], (short)(sign * (short)((ulong)(k + offset + 257L) % (ulong)short.MaxValue)));
                    break;
                case ChannelFormat.Int8:
                    values[k] = unchecked((byte)(sbyte)(sign * (sbyte)((ulong)(k + offset + 1L) % (ulong)sbyte.MaxValue)));
                    break;
                case ChannelFormat.Int64:
                    BinaryPrimitives.WriteInt64LittleEndian(values[(k * 8)..], sign * (k + offset + 2147483649L));
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(format), format, "not numeric");
            }
        }
    }

    public static byte[] Numeric(ChannelFormat format, int channels, int offset)
    {
        var values = new byte[channels * format.ValueSize()];
        WriteNumeric(format, channels, offset, values);
        return values;
    }

    /// <summary>String pattern: the decimal of (k + 10), negated for odd k; the same for both offsets.</summary>
    public static string[] Strings(int channels)
    {
        var values = new string[channels];
        for (var k = 0; k < channels; k++)
        {
            values[k] = ((k & 1) == 1 ? -(k + 10) : k + 10).ToString(CultureInfo.InvariantCulture);
        }

        return values;
    }
}
