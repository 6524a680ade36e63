using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace BioTrain.Stream.Formats.Edf;

/// <summary>
/// Reads EDF, EDF+ (C and D) and BDF/BDF+ files: signals scaled to physical units, annotations from all
/// annotation signals, record onsets. Malformed input throws <see cref="EdfFormatException"/> (never anything else).
/// </summary>
public static class EdfReader
{
    public static EdfRecording Read(string path, EdfReadOptions? options = null) => Parse(File.ReadAllBytes(path), options);

    public static async Task<EdfRecording> ReadAsync(string path, EdfReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        return Parse(bytes, options);
    }

    /// <summary>Only the header (fixed part and signal headers).</summary>
    public static EdfHeader ReadHeader(ReadOnlySpan<byte> file) => EdfHeaderParser.Parse(file);

    public static EdfRecording Parse(ReadOnlySpan<byte> file, EdfReadOptions? options = null)
    {
        options ??= EdfReadOptions.Default;
        var header = EdfHeaderParser.Parse(file);
        var warnings = new List<string>();
        var recordBytes = header.RecordBytes;
        var dataBytes = (long)file.Length - header.HeaderBytes;
        var available = recordBytes == 0 ? 0 : (int)Math.Min(int.MaxValue, dataBytes / recordBytes);
        var records = header.RecordCount == -1 ? available : header.RecordCount;
        if (header.RecordCount == -1)
        {
            warnings.Add($"the header's record count is -1 (unknown); {available} records read from the file size");
        }
        if (available < records)
        {
            var offset = header.HeaderBytes + ((long)available * recordBytes);
            if (!options.AllowTruncatedRecords)
            {
                throw new EdfTruncatedException($"the header announces {records} data records of {recordBytes} bytes, the file holds {available} complete ones",
                    offset, $"data record {available + 1}", available);
            }
            warnings.Add($"the file ends in data record {available + 1} of {records}; {available} complete records read");
            records = available;
        }
        else if (dataBytes > (long)records * recordBytes)
        {
            warnings.Add($"{dataBytes - ((long)records * recordBytes)} bytes after the last data record were ignored");
        }
        header = header with { RecordCount = records };
        return Decode(file, header, warnings);
    }

    private static EdfRecording Decode(ReadOnlySpan<byte> file, EdfHeader header, List<string> warnings)
    {
        var sampleBytes = header.Variant.SampleBytes();
        var records = header.RecordCount;
        var signalOffsets = new int[header.Signals.Count];
        for (int i = 0, offset = 0; i < header.Signals.Count; i++)
        {
            signalOffsets[i] = offset;
            offset += header.Signals[i].SamplesPerRecord * sampleBytes;
        }
        var signals = new List<EdfSignal>();
        var outputs = new double[header.Signals.Count][];
        for (var i = 0; i < header.Signals.Count; i++)
        {
            var signal = header.Signals[i];
            if (!signal.IsAnnotation)
            {
                // Every element is written below: skip zeroing the (large) arrays.
                outputs[i] = GC.AllocateUninitializedArray<double>(signal.SamplesPerRecord * records);
                signals.Add(new EdfSignal(i, signal, header.RecordDuration, outputs[i]));
            }
        }
        var hasAnnotations = header.Signals.Any(s => s.IsAnnotation);
        var annotations = new List<EdfAnnotation>();
        var onsets = new double[records];
        for (var record = 0; record < records; record++)
        {
            long recordStart = header.HeaderBytes + ((long)record * header.RecordBytes);
            var data = file.Slice((int)recordStart, header.RecordBytes);
            double? keptTime = null;
            var firstAnnotationSignal = true;
            for (var i = 0; i < header.Signals.Count; i++)
            {
                var signal = header.Signals[i];
                var bytes = data.Slice(signalOffsets[i], signal.SamplesPerRecord * sampleBytes);
                if (signal.IsAnnotation)
                {
                    var onset = EdfAnnotationParser.ParseRecord(bytes, recordStart + signalOffsets[i], annotations);
                    if (firstAnnotationSignal)
                    {
                        keptTime = onset;
                    }
                    firstAnnotationSignal = false;
                    continue;
                }
                var destination = outputs[i].AsSpan(record * signal.SamplesPerRecord, signal.SamplesPerRecord);
                if (sampleBytes == 2)
                {
                    Scale16(bytes, destination, signal.Gain, signal.Offset);
                }
                else
                {
                    Scale24(bytes, destination, signal.Gain, signal.Offset);
                }
            }
            onsets[record] = keptTime ?? record * header.RecordDuration;
            if (hasAnnotations && header.Variant.IsPlus() && keptTime is null && record < 3)
            {
                warnings.Add($"data record {record + 1} has no time-keeping annotation; k · duration used");
            }
        }
        if (header.Variant.IsDiscontinuous() && !hasAnnotations)
        {
            warnings.Add("EDF+D without an annotation signal: record onsets assumed contiguous");
        }
        var ordered = annotations.OrderBy(a => a.Onset).ToArray();
        return new EdfRecording(header, signals, ordered, onsets, warnings);
    }

    private static void Scale16(ReadOnlySpan<byte> bytes, Span<double> destination, double gain, double offset)
    {
        if (BitConverter.IsLittleEndian)
        {
            var digital = MemoryMarshal.Cast<byte, short>(bytes);
            for (var k = 0; k < destination.Length; k++)
            {
                destination[k] = (digital[k] * gain) + offset;
            }
            return;
        }
        for (var k = 0; k < destination.Length; k++)
        {
            destination[k] = (BinaryPrimitives.ReadInt16LittleEndian(bytes[(k * 2)..]) * gain) + offset;
        }
    }

    private static void Scale24(ReadOnlySpan<byte> bytes, Span<double> destination, double gain, double offset)
    {
        for (var k = 0; k < destination.Length; k++)
        {
            var b = bytes.Slice(k * 3, 3);
            var digital = b[0] | (b[1] << 8) | ((sbyte)b[2] << 16);
            destination[k] = (digital * gain) + offset;
        }
    }
}
