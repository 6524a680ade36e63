using System.Text;

namespace BioTrain.Stream.Lsl.Internal;

/// <summary>
/// String values as the wire carries them: raw bytes, UTF-8 by convention. The codecs and buffers work on
/// the bytes, so a relay or recorder can pass them on unaltered; text is made only where text is asked for
/// (bytes that are not UTF-8 then become U+FFFD).
/// </summary>
internal static class Utf8Values
{
    public static byte[][] Encode(ReadOnlySpan<string> values)
    {
        var bytes = new byte[values.Length][];
        for (var i = 0; i < values.Length; i++)
        {
            bytes[i] = Encoding.UTF8.GetBytes(values[i]);
        }

        return bytes;
    }

    public static void Decode(ReadOnlySpan<byte[]> bytes, Span<string> values)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            values[i] = Encoding.UTF8.GetString(bytes[i]);
        }
    }
}
