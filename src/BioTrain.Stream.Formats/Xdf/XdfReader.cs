using System.Buffers;
using System.IO.Compression;

namespace BioTrain.Stream.Formats.Xdf;

/// <summary>
/// Reads XDF files (and gzip-compressed <c>.xdfz</c> / <c>.xdf.gz</c>, recognised by content). The file
/// is read into one pooled buffer and decoded with spans; damage is reported in <see cref="XdfFile.Problems"/>.
/// Files up to 2 GiB (decompressed) are supported.
/// </summary>
public static class XdfReader
{
    public static XdfFile Read(string path, XdfReadOptions? options = null)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
        return Read(file, options);
    }

    public static async Task<XdfFile> ReadAsync(string path, XdfReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (file.ConfigureAwait(false))
        {
            return await ReadAsync(file, options, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a whole stream (plain or gzip XDF).</summary>
    public static XdfFile Read(System.IO.Stream input, XdfReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (buffer, length, gzipProblem) = Load(input);
        return ParseAndReturn(buffer, length, gzipProblem, options);
    }

    public static async Task<XdfFile> ReadAsync(System.IO.Stream input, XdfReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (buffer, length, gzipProblem) = await LoadAsync(input, cancellationToken).ConfigureAwait(false);
        return ParseAndReturn(buffer, length, gzipProblem, options);
    }

    /// <summary>Decodes an uncompressed XDF file held in memory.</summary>
    public static XdfFile Parse(ReadOnlySpan<byte> bytes, XdfReadOptions? options = null)
    {
        using var parser = new XdfParser(options ?? XdfReadOptions.Default);
        return parser.Parse(bytes);
    }

    private static XdfFile ParseAndReturn(byte[] buffer, int length, string? gzipProblem, XdfReadOptions? options)
    {
        try
        {
            var file = Parse(buffer.AsSpan(0, length), options);
            if (gzipProblem is null)
            {
                return file;
            }
            var problems = file.Problems.Append(new XdfProblem(XdfProblemKind.TruncatedChunk, length, null, gzipProblem)).ToArray();
            return new XdfFile(file.FileHeaderXml, file.Streams, problems);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool IsGzip(ReadOnlySpan<byte> head) => head.Length >= 2 && head[0] == 0x1F && head[1] == 0x8B;

    private static (byte[] Buffer, int Length, string? GzipProblem) Load(System.IO.Stream input)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(InitialSize(input));
        var length = 0;
        string? problem = null;
        try
        {
            length = Fill(input, ref buffer, 0);
            if (IsGzip(buffer.AsSpan(0, length)))
            {
                using var compressed = new MemoryStream(buffer, 0, length, writable: false);
                using var gzip = new GZipStream(compressed, CompressionMode.Decompress);
                var output = ArrayPool<byte>.Shared.Rent(Math.Max(length * 4, 4096));
                var outputLength = 0;
                try
                {
                    outputLength = Fill(gzip, ref output, 0);
                }
                catch (InvalidDataException e)
                {
                    problem = $"the gzip data is damaged or cut off ({e.Message}); the decompressed part was read";
                }
                ArrayPool<byte>.Shared.Return(buffer);
                (buffer, length) = (output, outputLength);
            }
            return (buffer, length, problem);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static async Task<(byte[] Buffer, int Length, string? GzipProblem)> LoadAsync(System.IO.Stream input, CancellationToken cancellationToken)
    {
        if (!input.CanSeek)
        {
            return Load(input);
        }
        // Read the raw bytes asynchronously; decompression (CPU work) happens in Load.
        var size = InitialSize(input);
        var raw = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == raw.Length)
                {
                    Grow(ref raw, length);
                }
                var read = await input.ReadAsync(raw.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                length += read;
            }
            using var memory = new MemoryStream(raw, 0, length, writable: false);
            return Load(memory);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }
    }

    private static int InitialSize(System.IO.Stream input)
    {
        if (!input.CanSeek)
        {
            return 1 << 16;
        }
        var remaining = input.Length - input.Position;
        if (remaining >= Array.MaxLength)
        {
            throw new NotSupportedException($"XDF files larger than {Array.MaxLength} bytes are not supported");
        }
        return (int)Math.Max(remaining + 1, 16);
    }

    private static int Fill(System.IO.Stream source, ref byte[] buffer, int length)
    {
        while (true)
        {
            if (length == buffer.Length)
            {
                Grow(ref buffer, length);
            }
            var read = source.Read(buffer, length, buffer.Length - length);
            if (read == 0)
            {
                return length;
            }
            length += read;
        }
    }

    private static void Grow(ref byte[] buffer, int length)
    {
        if (buffer.Length >= Array.MaxLength)
        {
            throw new NotSupportedException($"XDF files larger than {Array.MaxLength} bytes are not supported");
        }
        var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Array.MaxLength, buffer.Length * 2L));
        buffer.AsSpan(0, length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = larger;
    }
}
