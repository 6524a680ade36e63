using System.Globalization;
using System.Text;

namespace BioTrain.Stream.Formats.Edf;

/// <summary>Parses the fixed-width ASCII header; every bad field becomes an <see cref="EdfFormatException"/> naming it.</summary>
internal static class EdfHeaderParser
{
    public const int FixedBytes = 256;
    private const int BytesPerSignal = 256;

    public static EdfHeader Parse(ReadOnlySpan<byte> file)
    {
        if (file.Length < FixedBytes)
        {
            throw new EdfFormatException($"the file has {file.Length} bytes, fewer than the 256-byte fixed header", 0, "header");
        }
        var variant = ParseVersion(file);
        var headerBytes = Integer(file, 184, 8, "number of bytes in header record");
        var reserved = Text(file, 192, 44);
        var records = Integer(file, 236, 8, "number of data records");
        var duration = Number(file, 244, 8, "duration of a data record");
        var signalCount = Integer(file, 252, 4, "number of signals");
        if (signalCount is < 1 or > 100_000)
        {
            throw new EdfFormatException($"number of signals is {signalCount}", 252, "number of signals");
        }
        if (headerBytes != FixedBytes + (signalCount * BytesPerSignal))
        {
            throw new EdfFormatException($"header size {headerBytes} does not match {signalCount} signals ({FixedBytes + (signalCount * BytesPerSignal)} expected)",
                184, "number of bytes in header record");
        }
        if (file.Length < headerBytes)
        {
            throw new EdfFormatException($"the file has {file.Length} bytes, the header alone needs {headerBytes}", file.Length, "signal headers");
        }
        if (records < -1)
        {
            throw new EdfFormatException($"number of data records is {records}", 236, "number of data records");
        }
        if (duration < 0 || !double.IsFinite(duration))
        {
            throw new EdfFormatException($"record duration is {duration}", 244, "duration of a data record");
        }
        variant = PlusVariant(variant, reserved);
        var signals = new EdfSignalHeader[signalCount];
        for (var i = 0; i < signalCount; i++)
        {
            signals[i] = ParseSignal(file, signalCount, i, variant);
        }
        return new EdfHeader
        {
            Variant = variant,
            PatientId = Text(file, 8, 80),
            RecordingId = Text(file, 88, 80),
            StartTime = ParseStart(file, Text(file, 88, 80)),
            HeaderBytes = headerBytes,
            Reserved = reserved,
            RecordCount = records,
            RecordDuration = duration,
            Signals = signals,
        };
    }

    private static EdfVariant ParseVersion(ReadOnlySpan<byte> file)
    {
        if (file[0] == 0xFF && file.Slice(1, 7).SequenceEqual("BIOSEMI"u8))
        {
            return EdfVariant.Bdf;
        }
        if (Text(file, 0, 8) == "0")
        {
            return EdfVariant.Edf;
        }
        throw new EdfFormatException($"version '{Text(file, 0, 8)}' is neither EDF's \"0\" nor BDF's 0xFF\"BIOSEMI\"", 0, "version");
    }

    private static EdfVariant PlusVariant(EdfVariant basic, string reserved)
    {
        var bdf = basic == EdfVariant.Bdf;
        if (reserved.StartsWith("EDF+C", StringComparison.Ordinal) || reserved.StartsWith("BDF+C", StringComparison.Ordinal))
        {
            return bdf ? EdfVariant.BdfPlusContinuous : EdfVariant.EdfPlusContinuous;
        }
        if (reserved.StartsWith("EDF+D", StringComparison.Ordinal) || reserved.StartsWith("BDF+D", StringComparison.Ordinal))
        {
            return bdf ? EdfVariant.BdfPlusDiscontinuous : EdfVariant.EdfPlusDiscontinuous;
        }
        return basic;
    }

    private static EdfSignalHeader ParseSignal(ReadOnlySpan<byte> file, int ns, int i, EdfVariant variant)
    {
        // Each field is an array over all signals: offset of field start + i · width.
        int Field(int precedingWidth, int width) => FixedBytes + (precedingWidth * ns) + (i * width);
        var name = $"signal {i + 1} ";
        var header = new EdfSignalHeader
        {
            Label = Text(file, Field(0, 16), 16),
            TransducerType = Text(file, Field(16, 80), 80),
            PhysicalDimension = Text(file, Field(96, 8), 8),
            PhysicalMinimum = Number(file, Field(104, 8), 8, name + "physical minimum"),
            PhysicalMaximum = Number(file, Field(112, 8), 8, name + "physical maximum"),
            DigitalMinimum = Integer(file, Field(120, 8), 8, name + "digital minimum"),
            DigitalMaximum = Integer(file, Field(128, 8), 8, name + "digital maximum"),
            Prefiltering = Text(file, Field(136, 80), 80),
            SamplesPerRecord = Integer(file, Field(216, 8), 8, name + "number of samples in each data record"),
            Reserved = Text(file, Field(224, 32), 32),
        };
        if (header.SamplesPerRecord < 0)
        {
            throw new EdfFormatException($"samples per record is {header.SamplesPerRecord}", Field(216, 8), name + "number of samples in each data record");
        }
        if (header.DigitalMaximum <= header.DigitalMinimum && !header.IsAnnotation)
        {
            throw new EdfFormatException($"digital maximum {header.DigitalMaximum} is not above digital minimum {header.DigitalMinimum}",
                Field(128, 8), name + "digital maximum");
        }
        var limit = variant.IsBdf() ? 1 << 23 : 1 << 15;
        if (header.DigitalMinimum < -limit || header.DigitalMaximum >= limit)
        {
            throw new EdfFormatException($"digital range {header.DigitalMinimum}..{header.DigitalMaximum} exceeds {variant.SampleBytes() * 8}-bit samples",
                Field(120, 8), name + "digital minimum");
        }
        return header;
    }

    /// <summary>Start date and time; EDF+'s recording field gives the 4-digit year when it has one.</summary>
    private static DateTime ParseStart(ReadOnlySpan<byte> file, string recordingId)
    {
        var date = Text(file, 168, 8);
        var time = Text(file, 176, 8);
        if (!TryTwoDigits(date, 0, out var day) || !TryTwoDigits(date, 3, out var month) || !TryTwoDigits(date, 6, out var year2))
        {
            throw new EdfFormatException($"start date '{date}' is not dd.mm.yy", 168, "startdate of recording");
        }
        if (!TryTwoDigits(time, 0, out var hour) || !TryTwoDigits(time, 3, out var minute) || !TryTwoDigits(time, 6, out var second))
        {
            throw new EdfFormatException($"start time '{time}' is not hh.mm.ss", 176, "starttime of recording");
        }
        var year = year2 >= 85 ? 1900 + year2 : 2000 + year2;
        var parts = recordingId.Split(' ');
        if (parts.Length > 1 && parts[0] == "Startdate"
            && DateTime.TryParseExact(parts[1], "dd-MMM-yyyy", CultureInfo.InvariantCulture, DateTimeStyles.None, out var plusDate))
        {
            year = plusDate.Year;
        }
        try
        {
            return new DateTime(year, Math.Max(month, 1), Math.Max(day, 1), hour % 24, minute % 60, second % 60, DateTimeKind.Unspecified);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new EdfFormatException($"start date '{date}' is not a calendar date", 168, "startdate of recording");
        }
    }

    private static bool TryTwoDigits(string text, int index, out int value)
    {
        value = 0;
        return text.Length >= index + 2 && char.IsAsciiDigit(text[index]) && char.IsAsciiDigit(text[index + 1])
            && int.TryParse(text.AsSpan(index, 2), NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static string Text(ReadOnlySpan<byte> file, int offset, int width) =>
        Encoding.Latin1.GetString(file.Slice(offset, width)).Trim(' ', '\0');

    private static int Integer(ReadOnlySpan<byte> file, int offset, int width, string field)
    {
        var text = Text(file, offset, width);
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }
        // Some writers put "30.000000" into integer fields; accept whole numbers written as decimals.
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number == Math.Floor(number) && Math.Abs(number) < int.MaxValue)
        {
            return (int)number;
        }
        throw new EdfFormatException($"'{text}' is not an integer", offset, field);
    }

    private static double Number(ReadOnlySpan<byte> file, int offset, int width, string field)
    {
        var text = Text(file, offset, width);
        // EDF fields use '.', but some writers in comma locales wrote ','.
        if (double.TryParse(text.Replace(',', '.'), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }
        throw new EdfFormatException($"'{text}' is not a number", offset, field);
    }
}
