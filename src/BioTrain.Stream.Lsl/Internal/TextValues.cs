using System.Globalization;
using BioTrain.Stream.Lsl.Info;

namespace BioTrain.Stream.Lsl.Internal;

/// <summary>
/// Numbers in string streams, as liblsl converts them: decimal text with 16 significant digits for double,
/// 8 for float, plain integers; text that is not a number reads as 0.
/// </summary>
internal static class TextValues
{
    public static string[] Format<T>(ReadOnlySpan<T> values)
        where T : unmanaged
    {
        var text = new string[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            text[i] = values[i] switch
            {
                float f => LslNumberFormat.FormatG(f, 8, keepTrailingZeros: false),
                double d => LslNumberFormat.G16(d),
                IFormattable other => other.ToString(null, CultureInfo.InvariantCulture),
                _ => throw new NotSupportedException($"{typeof(T)} is not an LSL value type"),
            };
        }

        return text;
    }

    public static void Parse<T>(ReadOnlySpan<string> text, Span<T> values)
        where T : unmanaged
    {
        Span<double> one = stackalloc double[1];
        Span<byte> raw = stackalloc byte[8];
        for (var i = 0; i < text.Length; i++)
        {
            one[0] = double.TryParse(text[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0.0;
            ValueConverter.ToFormat<double>(one, ChannelFormat.Double64, raw);
            ValueConverter.FromFormat(raw, ChannelFormat.Double64, values.Slice(i, 1));
        }
    }
}
