using BioTrain.Stream.Formats.Edf;
using BioTrain.Stream.Formats.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace BioTrain.Stream.Formats.Tests.Edf;

public class EdfReaderTests
{
    private static EdfBuilder TwoRateEdf(string reserved = "EDF+C", Func<int, string>? annotations = null, int records = 3) =>
        new EdfBuilder { Reserved = reserved, Records = records, Annotations = annotations ?? (r => $"+{r}\u0014\u0014\0") }
            .Signal("EEG C3", "uV", -3276.8, 3276.7, -32768, 32767, 100, (r, i) => (r * 1000) + i - 50)
            .Signal("Resp", "mV", 0, 10, 0, 1000, 10, (r, i) => (r * 10) + i);

    [Fact]
    public void Reads_labels_units_rates_and_physical_values()
    {
        var recording = EdfReader.Parse(TwoRateEdf().Build());
        Assert.Equal(EdfVariant.EdfPlusContinuous, recording.Header.Variant);
        Assert.Equal(new DateTime(2024, 3, 2, 13, 45, 7), recording.Header.StartTime);
        Assert.Equal(["EEG C3", "Resp"], recording.Signals.Select(s => s.Label));
        Assert.Equal(["uV", "mV"], recording.Signals.Select(s => s.Unit));
        Assert.Equal([100.0, 10.0], recording.Signals.Select(s => s.SampleRate));
        var c3 = recording.FindSignal("EEG C3")!;
        Assert.Equal(300, c3.Samples.Length);
        // 0.1 µV per step: digital (r·1000 + i − 50) → physical / 10.
        Assert.Equal(((1 * 1000) + 7 - 50) * 0.1, c3.Samples[107], 9);
        Assert.Equal(((2 * 10) + 3) * 0.01, recording.FindSignal("Resp")!.Samples[23], 9);
        Assert.Equal([0.0, 1.0, 2.0], recording.RecordOnsets);
        Assert.Empty(recording.Annotations);
        Assert.Empty(recording.Warnings);
    }

    [Fact]
    public void Bdf_decodes_signed_24_bit_samples()
    {
        var bytes = new EdfBuilder { Bdf = true, Reserved = "24BIT", Records = 2 }
            .Signal("A1", "uV", -262144, 262144, -8388608, 8388607, 4, (r, i) => new[] { -8388608, -1, 0, 8388607 }[i] + r)
            .Build();
        var recording = EdfReader.Parse(bytes);
        Assert.Equal(EdfVariant.Bdf, recording.Header.Variant);
        var samples = recording.Signals[0].Samples;
        var gain = 524288.0 / 16777215.0;
        Assert.Equal(-262144.0, samples[0], 6);
        Assert.Equal(262144.0, samples[3], 6);
        Assert.Equal(262144.0 - (8388608 * gain), samples[1], 6);
        Assert.Equal(samples[1] + gain, samples[5], 6);
    }

    [Fact]
    public void Edf_plus_d_takes_record_onsets_from_time_keeping_and_reads_annotations()
    {
        string Tal(int record) => record switch
        {
            0 => "+0\u0014\u0014\0+0.5\u00151.25\u0014left_hand\u0014\0",
            1 => "+10.5\u0014\u0014Recording resumed\u0014\0+11\u0014é ü 漢\u0014second\u0014\0",
            _ => "+20\u0014\u0014\0-0.25\u0015\u0014before start\u0014\0",
        };
        var recording = EdfReader.Parse(TwoRateEdf("EDF+D", Tal).Build());
        Assert.True(recording.Header.Variant.IsDiscontinuous());
        Assert.Equal([0.0, 10.5, 20.0], recording.RecordOnsets);
        var times = recording.SampleTimes(recording.FindSignal("EEG C3")!);
        Assert.Equal(10.5, times[100]);
        Assert.Equal(20.99, times[299], 9);
        Assert.Equal(
            [(-0.25, (double?)null, "before start"), (0.5, 1.25, "left_hand"), (10.5, null, "Recording resumed"), (11.0, null, "é ü 漢"), (11.0, null, "second")],
            recording.Annotations.Select(a => (a.Onset, a.Duration, a.Text)));
    }

    public static TheoryData<string, Action<byte[]>> BadHeaders() => new()
    {
        { "version", b => EdfBuilder.SetField(b, 0, 8, "GDF 2.10") },
        { "number of bytes in header record", b => EdfBuilder.SetField(b, 184, 8, "512") },
        { "number of bytes in header record", b => EdfBuilder.SetField(b, 184, 8, "abc") },
        { "number of data records", b => EdfBuilder.SetField(b, 236, 8, "three") },
        { "number of data records", b => EdfBuilder.SetField(b, 236, 8, "-7") },
        { "duration of a data record", b => EdfBuilder.SetField(b, 244, 8, "1s") },
        { "number of signals", b => EdfBuilder.SetField(b, 252, 4, "x") },
        { "number of signals", b => EdfBuilder.SetField(b, 252, 4, "0") },
        { "startdate of recording", b => EdfBuilder.SetField(b, 168, 8, "2.3.2024") },
        { "starttime of recording", b => EdfBuilder.SetField(b, 176, 8, "noon") },
        { "signal 1 physical minimum", b => EdfBuilder.SetField(b, 256 + (104 * 3), 8, "low") },
        { "signal 2 digital maximum", b => EdfBuilder.SetField(b, 256 + (128 * 3) + 8, 8, "-40000") },
        { "signal 1 digital minimum", b => EdfBuilder.SetField(b, 256 + (120 * 3), 8, "-99999") },
        { "signal 2 number of samples in each data record", b => EdfBuilder.SetField(b, 256 + (216 * 3) + 8, 8, "-1") },
        { "signal 1 number of samples in each data record", b => EdfBuilder.SetField(b, 256 + (216 * 3), 8, "ten") },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public void Bad_header_field_is_a_typed_error_naming_it(string field, Action<byte[]> damage)
    {
        var bytes = TwoRateEdf().Build();
        damage(bytes);
        var error = Assert.ThrowsAny<EdfFormatException>(() => EdfReader.Parse(bytes));
        Assert.Equal(field, error.Field);
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Short_file_and_bad_annotation_are_typed_errors()
    {
        Assert.Equal("header", Assert.Throws<EdfFormatException>(() => EdfReader.Parse(new byte[100])).Field);
        Assert.Equal("signal headers", Assert.Throws<EdfFormatException>(() => EdfReader.Parse(TwoRateEdf().Build().AsSpan(0, 700))).Field);
        var badTal = TwoRateEdf(annotations: _ => "+zero\u0014\u0014\0").Build();
        var error = Assert.Throws<EdfFormatException>(() => EdfReader.Parse(badTal));
        Assert.Equal("EDF Annotations", error.Field);
        Assert.True(error.Offset > 1024);
    }

    [Fact]
    public void Truncated_records_are_a_typed_error_or_read_partially_on_request()
    {
        var bytes = TwoRateEdf(records: 5).Build();
        var recordBytes = (100 + 10 + 60) * 2;
        var cut = bytes[..(bytes.Length - recordBytes - 17)];
        var error = Assert.Throws<EdfTruncatedException>(() => EdfReader.Parse(cut));
        Assert.Equal(3, error.CompleteRecords);
        Assert.Equal("data record 4", error.Field);
        Assert.Equal(1024 + (3 * recordBytes), error.Offset);

        var partial = EdfReader.Parse(cut, new EdfReadOptions { AllowTruncatedRecords = true });
        Assert.Equal(3, partial.Header.RecordCount);
        Assert.Equal(300, partial.Signals[0].Samples.Length);
        Assert.Single(partial.Warnings);
    }

    [Fact]
    public void Unknown_record_count_is_taken_from_the_file_size()
    {
        var bytes = TwoRateEdf(records: 4).Build();
        EdfBuilder.SetField(bytes, 236, 8, "-1");
        var recording = EdfReader.Parse(bytes);
        Assert.Equal(4, recording.Header.RecordCount);
        Assert.Contains(recording.Warnings, w => w.Contains("-1", StringComparison.Ordinal));
    }

    [Property(MaxTest = 300)]
    public Property Damaged_files_read_or_throw_only_format_errors(PositiveInt position, byte value, PositiveInt cut, bool bdf)
    {
        var bytes = (bdf
            ? new EdfBuilder { Bdf = true, Reserved = "BDF+C", Annotations = r => $"+{r}\u0014\u0014\0+{r}.5\u0014ev\u0014\0" }
                .Signal("X", "uV", -100, 100, -1000, 1000, 20, (r, i) => i * r)
            : TwoRateEdf()).Build();
        // Damage the header and the first annotation bytes most of the time: that is where parsing decides.
        var index = position.Get % Math.Min(bytes.Length, 1400);
        bytes[index] = value;
        var length = cut.Get % 5 == 0 ? cut.Get % bytes.Length : bytes.Length;
        try
        {
            var recording = EdfReader.Parse(bytes.AsSpan(0, length));
            return (recording.Signals.Count > 0).ToProperty();
        }
        catch (EdfFormatException)
        {
            return true.ToProperty();
        }
    }
}
