using System.Globalization;
using System.Text;

namespace BioTrain.Stream.Formats.Edf;

/// <summary>
/// Decodes the Time-stamped Annotation Lists (TALs) of one annotation signal in one data record:
/// <c>+onset[0x15duration]0x14[text0x14]...0x00</c>. The first TAL of a record's first annotation
/// signal has an empty first text: it keeps time (the record's onset).
/// </summary>
internal static class EdfAnnotationParser
{
    private const byte Terminator = 0x00;
    private const byte DurationMark = 0x15;
    private const byte TextMark = 0x14;

    /// <summary>Adds the record's annotations to <paramref name="annotations"/>; returns its time-keeping onset, if any.</summary>
    public static double? ParseRecord(ReadOnlySpan<byte> bytes, long fileOffset, List<EdfAnnotation> annotations)
    {
        double? recordOnset = null;
        var position = 0;
        var firstTal = true;
        while (position < bytes.Length)
        {
            if (bytes[position] == Terminator)
            {
                position++;
                continue;
            }
            var end = bytes[position..].IndexOf(Terminator);
            var tal = end < 0 ? bytes[position..] : bytes.Slice(position, end);
            var keptTime = ParseTal(tal, fileOffset + position, annotations, firstTal);
            if (firstTal)
            {
                recordOnset = keptTime;
            }
            firstTal = false;
            position += tal.Length + 1;
        }
        return recordOnset;
    }

    private static double? ParseTal(ReadOnlySpan<byte> tal, long offset, List<EdfAnnotation> annotations, bool first)
    {
        var textStart = tal.IndexOf(TextMark);
        if (textStart < 0)
        {
            throw new EdfFormatException("an annotation (TAL) has no 0x14 after its onset", offset, "EDF Annotations");
        }
        var timing = tal[..textStart];
        var durationAt = timing.IndexOf(DurationMark);
        var onset = ParseSeconds(durationAt < 0 ? timing : timing[..durationAt], offset, "onset");
        // An empty duration (0x15 directly followed by 0x14) is read as "no duration".
        double? duration = durationAt < 0 || durationAt == timing.Length - 1 ? null : ParseSeconds(timing[(durationAt + 1)..], offset, "duration");

        var rest = tal[(textStart + 1)..];
        var index = 0;
        double? timeKeeping = null;
        while (rest.Length > 0)
        {
            var next = rest.IndexOf(TextMark);
            var text = next < 0 ? rest : rest[..next];
            if (index == 0 && first && text.IsEmpty)
            {
                timeKeeping = onset;
                var after = next < 0 ? [] : rest[(next + 1)..];
                if (StartsWithOnset(after))
                {
                    // Nihon Kohden exports omit the 0x00 after the time-keeping TAL: the next TAL follows directly.
                    ParseTal(after, offset + (tal.Length - after.Length), annotations, first: false);
                    return timeKeeping;
                }
            }
            else if (!text.IsEmpty)
            {
                annotations.Add(new EdfAnnotation(onset, duration, Encoding.UTF8.GetString(text)));
            }
            index++;
            rest = next < 0 ? [] : rest[(next + 1)..];
        }
        // "+0\x14\x14" (empty text list) is a time-keeping TAL too.
        if (index == 0 && first)
        {
            timeKeeping = onset;
        }
        return timeKeeping;
    }

    /// <summary>Whether the bytes start like a TAL: a signed number of seconds, then 0x14 or 0x15.</summary>
    private static bool StartsWithOnset(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 3 || bytes[0] is not ((byte)'+' or (byte)'-'))
        {
            return false;
        }
        var i = 1;
        while (i < bytes.Length && (char.IsAsciiDigit((char)bytes[i]) || bytes[i] == '.'))
        {
            i++;
        }
        return i > 1 && i < bytes.Length && bytes[i] is TextMark or DurationMark;
    }

    private static double ParseSeconds(ReadOnlySpan<byte> text, long offset, string what)
    {
        var value = Encoding.ASCII.GetString(text);
        if (double.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
        {
            return seconds;
        }
        throw new EdfFormatException($"annotation {what} '{value}' is not a number of seconds", offset, "EDF Annotations");
    }
}
