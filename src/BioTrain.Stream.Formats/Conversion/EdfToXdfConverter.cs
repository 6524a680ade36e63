using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using BioTrain.Stream.Formats.Edf;
using BioTrain.Stream.Formats.Xdf;

namespace BioTrain.Stream.Formats.Conversion;

/// <summary>
/// EDF/EDF+/BDF to XDF: one float32 stream per distinct sampling rate (one stream when all rates are
/// equal) with labels, units and types in <c>desc/channels</c>, and the annotations as an irregular
/// string marker stream (type Markers). Sample times follow the record onsets, so EDF+D gaps are kept.
/// </summary>
public static class EdfToXdfConverter
{
    // EDF+ standard label prefixes that name the signal type ("EEG Fpz-Cz").
    private static readonly string[] KnownTypes = ["EEG", "ECG", "EOG", "ERG", "EMG", "MEG", "MCG", "EP", "Resp", "SaO2", "Temp", "Light", "Sound", "Event"];

    public static async Task<IReadOnlyList<ConvertedStreamSummary>> ConvertFileAsync(string input, string output, EdfToXdfOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var recording = await EdfReader.ReadAsync(input, cancellationToken: cancellationToken).ConfigureAwait(false);
        options ??= new EdfToXdfOptions();
        options = options with { StreamName = options.StreamName ?? Path.GetFileNameWithoutExtension(input) };
        var writer = XdfWriter.Create(output);
        await using (writer.ConfigureAwait(false))
        {
            return Convert(recording, writer, options);
        }
    }

    /// <summary>Writes the recording's streams into <paramref name="writer"/> (stream ids 1, 2, ...); the caller completes the writer.</summary>
    public static IReadOnlyList<ConvertedStreamSummary> Convert(EdfRecording recording, XdfWriter writer, EdfToXdfOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(recording);
        ArgumentNullException.ThrowIfNull(writer);
        options ??= new EdfToXdfOptions();
        var baseName = options.StreamName ?? "EDF";
        var groups = recording.Signals.GroupBy(s => s.SampleRate).Select(g => g.ToArray()).ToArray();
        var result = new List<ConvertedStreamSummary>();
        uint nextId = 1;
        foreach (var group in groups)
        {
            var name = groups.Length == 1 ? baseName : string.Create(CultureInfo.InvariantCulture, $"{baseName} {group[0].SampleRate:0.###} Hz");
            var types = group.Select(s => ChannelType(s.Label)).ToArray();
            var streamType = types.Distinct().Count() == 1 && types[0].Length > 0 ? types[0] : options.StreamType;
            writer.AddStream(nextId, new XdfStreamInfo
            {
                Name = name,
                Type = streamType,
                ChannelCount = group.Length,
                ChannelFormat = XdfChannelFormat.Float32,
                NominalSrate = group[0].SampleRate,
                SourceId = SourceId(baseName, name),
                Uid = StableUid(baseName + "|" + name),
                CreatedAt = options.StartTimestamp,
                Channels = group.Select((s, i) => new XdfChannelInfo(s.Label, Unit(s.Unit), types[i].Length > 0 ? types[i] : streamType)).ToArray(),
                Desc = RecordingDesc(recording),
            });
            result.Add(new ConvertedStreamSummary(nextId, name, streamType, group.Length, group[0].SampleRate, group[0].Samples.Length));
            nextId++;
        }
        uint? markerId = null;
        if (recording.Annotations.Count > 0)
        {
            markerId = nextId;
            var name = baseName + "-annotations";
            writer.AddStream(nextId, new XdfStreamInfo
            {
                Name = name, Type = "Markers", ChannelCount = 1, ChannelFormat = XdfChannelFormat.String, NominalSrate = 0,
                SourceId = SourceId(baseName, name), Uid = StableUid(baseName + "|" + name), CreatedAt = options.StartTimestamp,
            });
            result.Add(new ConvertedStreamSummary(nextId, name, "Markers", 1, 0, recording.Annotations.Count));
        }
        WriteData(recording, writer, groups, markerId, options);
        return result;
    }

    /// <summary>Writes the data in record order, a few records per chunk, markers interleaved by time, as a recorder would.</summary>
    private static void WriteData(EdfRecording recording, XdfWriter writer, EdfSignal[][] groups, uint? markerId, EdfToXdfOptions options)
    {
        var records = recording.Header.RecordCount;
        var perChunk = Math.Max(1, options.RecordsPerChunk);
        var nextMarker = 0;
        for (var first = 0; first < records; first += perChunk)
        {
            var count = Math.Min(perChunk, records - first);
            for (var g = 0; g < groups.Length; g++)
            {
                WriteGroupChunk(recording, writer, (uint)g + 1, groups[g], first, count, options.StartTimestamp);
            }
            var chunkEnd = first + count < records ? recording.RecordOnsets[first + count] : double.PositiveInfinity;
            nextMarker = WriteMarkersBefore(recording, writer, markerId, nextMarker, chunkEnd, options.StartTimestamp);
            writer.WriteBoundary();
        }
        WriteMarkersBefore(recording, writer, markerId, nextMarker, double.PositiveInfinity, options.StartTimestamp);
    }

    private static void WriteGroupChunk(EdfRecording recording, XdfWriter writer, uint streamId, EdfSignal[] group, int firstRecord, int recordCount, double start)
    {
        var perRecord = group[0].Header.SamplesPerRecord;
        var samples = perRecord * recordCount;
        var channels = group.Length;
        var timestamps = ArrayPool<double>.Shared.Rent(Math.Max(samples, 1));
        var values = ArrayPool<float>.Shared.Rent(Math.Max(samples * channels, 1));
        try
        {
            var step = recording.Header.RecordDuration / Math.Max(perRecord, 1);
            for (var r = 0; r < recordCount; r++)
            {
                var onset = start + recording.RecordOnsets[firstRecord + r];
                for (var i = 0; i < perRecord; i++)
                {
                    timestamps[(r * perRecord) + i] = onset + (i * step);
                }
            }
            var offset = firstRecord * perRecord;
            for (var c = 0; c < channels; c++)
            {
                var source = group[c].Samples.AsSpan(offset, samples);
                for (var i = 0; i < samples; i++)
                {
                    values[(i * channels) + c] = (float)source[i];
                }
            }
            writer.WriteSamples(streamId, timestamps.AsSpan(0, samples), values.AsSpan(0, samples * channels));
        }
        finally
        {
            ArrayPool<double>.Shared.Return(timestamps);
            ArrayPool<float>.Shared.Return(values);
        }
    }

    private static int WriteMarkersBefore(EdfRecording recording, XdfWriter writer, uint? markerId, int next, double before, double start)
    {
        if (markerId is not { } id)
        {
            return next;
        }
        var end = next;
        while (end < recording.Annotations.Count && recording.Annotations[end].Onset < before)
        {
            end++;
        }
        if (end > next)
        {
            var slice = recording.Annotations.Skip(next).Take(end - next).ToArray();
            writer.WriteSamples(id, slice.Select(a => start + a.Onset).ToArray(), slice.Select(a => a.Text).ToArray());
        }
        return end;
    }

    /// <summary>The EDF+ type prefix of a label ("EEG Fpz-Cz" → "EEG"), or empty.</summary>
    internal static string ChannelType(string label)
    {
        var space = label.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            return "";
        }
        var prefix = label[..space];
        return KnownTypes.FirstOrDefault(t => string.Equals(t, prefix, StringComparison.OrdinalIgnoreCase)) ?? "";
    }

    /// <summary>EDF's short units in the words of the XDF meta-data convention.</summary>
    internal static string Unit(string edfUnit) => edfUnit switch
    {
        "uV" or "µV" or "μV" => "microvolts",
        "mV" => "millivolts",
        "V" => "volts",
        "nV" => "nanovolts",
        _ => edfUnit,
    };

    private static XElement RecordingDesc(EdfRecording recording) => new("desc",
        new XElement("recording",
            new XElement("format", recording.Header.Variant.ToString()),
            new XElement("start_time", recording.Header.StartTime.ToString("s", CultureInfo.InvariantCulture)),
            new XElement("record_duration", recording.Header.RecordDuration.ToString("R", CultureInfo.InvariantCulture))));

    private static string SourceId(string baseName, string streamName) => "edf:" + (streamName == baseName ? baseName : streamName);

    /// <summary>A UUID derived from the names, so converting the same file twice gives the same bytes.</summary>
    private static string StableUid(string key)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        return new Guid(hash.AsSpan(0, 16)).ToString();
    }
}
