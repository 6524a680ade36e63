using System.Globalization;

namespace BioTrain.Stream.Lsl.Info;

/// <summary>
/// C++ iostream number formatting as liblsl uses it: <c>setprecision(16)</c> with or without <c>showpoint</c>,
/// i.e. printf's <c>%#.16g</c> and <c>%.16g</c>, in the classic locale.
/// </summary>
public static class LslNumberFormat
{
    /// <summary><c>%#.16g</c>: 16 significant digits, trailing zeros kept (stream info XML).</summary>
    public static string G16ShowPoint(double value) => FormatG(value, 16, keepTrailingZeros: true);

    /// <summary><c>%.16g</c>: 16 significant digits, trailing zeros removed (time-sync packets).</summary>
    public static string G16(double value) => FormatG(value, 16, keepTrailingZeros: false);

    /// <summary><c>%g</c> with C++'s default 6 significant digits.</summary>
    public static string G6(double value) => FormatG(value, 6, keepTrailingZeros: false);

    public static string FormatG(double value, int precision, bool keepTrailingZeros)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        // The exponent after rounding to `precision` digits decides between fixed and scientific, as in C.
        var scientific = value.ToString("E" + (precision - 1).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var ePos = scientific.IndexOf('E', StringComparison.Ordinal);
        var exponent = int.Parse(scientific.AsSpan(ePos + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        if (value == 0)
        {
            exponent = 0;
        }

        if (exponent < -4 || exponent >= precision)
        {
            var mantissa = scientific[..ePos];
            if (!keepTrailingZeros)
            {
                mantissa = TrimZeros(mantissa);
            }

            var sign = exponent < 0 ? "-" : "+";
            var digits = Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
            return mantissa + "e" + sign + digits;
        }

        var decimals = precision - 1 - exponent;
        var fixedText = value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        if (keepTrailingZeros)
        {
            return fixedText.Contains('.', StringComparison.Ordinal) ? fixedText : fixedText + ".";
        }

        return TrimZeros(fixedText);
    }

    private static string TrimZeros(string text)
    {
        if (!text.Contains('.', StringComparison.Ordinal))
        {
            return text;
        }

        text = text.TrimEnd('0');
        return text.EndsWith('.') ? text[..^1] : text;
    }
}
