using BioTrain.Stream.Formats.Conversion;
using BioTrain.Stream.Formats.Edf;
using BioTrain.Stream.Formats.Xdf;

namespace BioTrain.Stream.Recording;

/// <summary>
/// Loads XDF (also gzip-compressed) and EDF/EDF+/BDF files for replay, recognised by content. EDF/BDF go
/// through the EDF→XDF converter, so a replay publishes exactly what <c>biotrain convert</c> writes: one
/// stream per sampling rate with labels/units/types, and EDF+ annotations as <c>&lt;name&gt;-annotations</c>
/// (type Markers, one string channel, irregular rate).
/// </summary>
public static class RecordingLoader
{
    private static readonly byte[] XdfMagic = "XDF:"u8.ToArray();
    private static readonly byte[] EdfMagic = "0       "u8.ToArray();
    private static readonly byte[] BdfMagic = [0xFF, .. "BIOSEMI"u8];

    /// <summary>Reads <paramref name="path"/>. Throws <see cref="FormatException"/> when it is neither XDF nor EDF/BDF.</summary>
    public static async Task<ReplayRecording> LoadAsync(string path, RecordingLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= RecordingLoadOptions.Default;
        var kind = await DetectAsync(path, cancellationToken).ConfigureAwait(false);
        if (kind == FileKind.Xdf)
        {
            var file = await XdfReader.ReadAsync(path, new XdfReadOptions { ApplyClockOffsets = options.ApplyClockOffsets }, cancellationToken).ConfigureAwait(false);
            return ReplayRecording.FromXdf(file, path);
        }
        var edf = await EdfReader.ReadAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
        return FromEdf(edf, path, options);
    }

    /// <summary>Converts an EDF/BDF recording in memory; its times are seconds from the start of the file.</summary>
    public static ReplayRecording FromEdf(EdfRecording recording, string source, RecordingLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(recording);
        ArgumentNullException.ThrowIfNull(source);
        options ??= RecordingLoadOptions.Default;
        using var buffer = new MemoryStream();
        using (var writer = new XdfWriter(buffer, leaveOpen: true))
        {
            var conversion = new EdfToXdfOptions
            {
                StreamName = options.StreamName ?? Path.GetFileNameWithoutExtension(source),
                StreamType = options.StreamType,
            };
            EdfToXdfConverter.Convert(recording, writer, conversion);
            writer.Complete();
        }
        var file = XdfReader.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        var read = ReplayRecording.FromXdf(file, source, hasLslClock: false);
        return new ReplayRecording(source, read.Streams, hasLslClock: false, [.. recording.Warnings, .. read.Notes]);
    }

    private enum FileKind
    {
        Xdf,
        Edf,
    }

    private static async Task<FileKind> DetectAsync(string path, CancellationToken cancellationToken)
    {
        var head = new byte[8];
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
        int read;
        await using (stream.ConfigureAwait(false))
        {
            read = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        }
        var bytes = head.AsSpan(0, read);
        // gzip (.xdfz / .xdf.gz): the XDF reader detects and inflates it.
        if (bytes.StartsWith(XdfMagic) || bytes.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B]))
        {
            return FileKind.Xdf;
        }
        if (bytes.StartsWith(EdfMagic) || bytes.StartsWith(BdfMagic))
        {
            return FileKind.Edf;
        }
        throw new FormatException($"{path} is neither XDF (\"XDF:\"), gzip-compressed XDF, EDF (\"0       \") nor BDF (0xFF \"BIOSEMI\")");
    }
}
