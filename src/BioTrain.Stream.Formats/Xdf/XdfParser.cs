using System.Buffers.Binary;
using System.Text;

namespace BioTrain.Stream.Formats.Xdf;

/// <summary>
/// Walks the chunks of an XDF file held in memory. Damage never throws: a cut-off end keeps the complete
/// samples, invalid framing resynchronises at the next Boundary chunk's UUID, and each event becomes an
/// <see cref="XdfProblem"/>.
/// </summary>
internal sealed class XdfParser : IDisposable
{
    private readonly XdfReadOptions _options;
    private readonly List<XdfStreamBuilder> _builders = [];
    private readonly Dictionary<uint, XdfStreamBuilder> _byId = [];
    private readonly HashSet<uint> _reportedMissingHeader = [];
    private readonly List<XdfProblem> _problems = [];
    private string? _fileHeader;

    public XdfParser(XdfReadOptions options)
    {
        _options = options;
    }

    public XdfFile Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < XdfLayout.Magic.Length || !data[..XdfLayout.Magic.Length].SequenceEqual(XdfLayout.Magic))
        {
            throw new XdfFormatException("not an XDF file: it does not start with \"XDF:\"", 0);
        }
        var position = XdfLayout.Magic.Length;
        var first = true;
        while (position < data.Length)
        {
            var chunkStart = position;
            position = ReadChunk(data, chunkStart, first);
            first = false;
        }
        return Finish();
    }

    /// <summary>Decodes the chunk at <paramref name="start"/>; returns where the next one starts.</summary>
    private int ReadChunk(ReadOnlySpan<byte> data, int start, bool first)
    {
        var position = start;
        if (!XdfLayout.TryReadVarLen(data, ref position, out var length))
        {
            var width = data[start];
            if (width is 1 or 4 or 8)
            {
                return Truncated(data, start, "the file ends inside a chunk's length field");
            }
            return Resynchronise(data, start, $"invalid length prefix {width} (must be 1, 4 or 8)");
        }
        if (length < 2)
        {
            return Resynchronise(data, start, $"chunk length {length} is shorter than a tag");
        }
        var contentStart = position;
        var available = data.Length - contentStart;
        var cutOff = length > (ulong)available;
        if (cutOff && NextBoundary(data, start + 1) >= 0)
        {
            // A later boundary proves the file goes on: the length itself is damaged.
            return Resynchronise(data, start, $"chunk length {length} runs past the end of the file");
        }
        if (available < 2)
        {
            return Truncated(data, start, "the file ends inside a chunk's tag");
        }
        var content = cutOff ? data[contentStart..] : data.Slice(contentStart, (int)length);
        var end = cutOff ? data.Length : contentStart + (int)length;
        var tag = (XdfChunkTag)BinaryPrimitives.ReadUInt16LittleEndian(content);
        if (first && tag != XdfChunkTag.FileHeader)
        {
            Report(XdfProblemKind.MissingFileHeader, start, null, "the first chunk is not a FileHeader");
        }
        if (cutOff && tag != XdfChunkTag.Samples)
        {
            return Truncated(data, start, $"the file ends inside a {tag} chunk ({length} bytes declared, {available} present)");
        }

        switch (tag)
        {
            case XdfChunkTag.FileHeader:
                _fileHeader ??= Encoding.UTF8.GetString(content[2..]);
                return end;
            case XdfChunkTag.Boundary:
                if (!content[2..].SequenceEqual(XdfLayout.BoundaryUuid))
                {
                    Report(XdfProblemKind.CorruptChunk, start, null, "a Boundary chunk with the wrong UUID was skipped");
                }
                return end;
            case XdfChunkTag.StreamHeader:
            case XdfChunkTag.Samples:
            case XdfChunkTag.ClockOffset:
            case XdfChunkTag.StreamFooter:
                if (content.Length < 6)
                {
                    if (cutOff)
                    {
                        return Truncated(data, start, $"the file ends inside a {tag} chunk's stream id");
                    }
                    return Resynchronise(data, start, $"a {tag} chunk of {length} bytes has no room for its stream id");
                }
                var streamId = BinaryPrimitives.ReadUInt32LittleEndian(content[2..]);
                return ReadStreamChunk(data, tag, streamId, content[6..], start, end, cutOff);
            default:
                if (LooksLikeChunkStart(data, end))
                {
                    Report(XdfProblemKind.UnknownChunkTag, start, null, $"unknown chunk tag {(ushort)tag} ({length} bytes) skipped");
                    return end;
                }
                return Resynchronise(data, start, $"unknown chunk tag {(ushort)tag} not followed by a valid chunk");
        }
    }

    private int ReadStreamChunk(ReadOnlySpan<byte> data, XdfChunkTag tag, uint streamId, ReadOnlySpan<byte> body, int start, int end, bool cutOff)
    {
        if (tag == XdfChunkTag.StreamHeader)
        {
            ReadStreamHeader(streamId, body, start);
            return end;
        }
        if (!_byId.TryGetValue(streamId, out var builder))
        {
            if (_reportedMissingHeader.Add(streamId))
            {
                Report(XdfProblemKind.NoStreamHeader, start, streamId, $"{tag} chunk for a stream without a valid header skipped (reported once per stream)");
            }
            return end;
        }
        switch (tag)
        {
            case XdfChunkTag.Samples:
                return ReadSamplesChunk(data, builder, body, start, end, cutOff);
            case XdfChunkTag.ClockOffset:
                if (body.Length != 16)
                {
                    Report(XdfProblemKind.CorruptChunk, start, streamId, $"ClockOffset chunk with {body.Length} content bytes (16 expected) skipped");
                    return end;
                }
                builder.AddClockOffset(new XdfClockOffset(
                    BinaryPrimitives.ReadDoubleLittleEndian(body),
                    BinaryPrimitives.ReadDoubleLittleEndian(body[8..])));
                return end;
            default:
                try
                {
                    builder.Footer = XdfStreamFooter.Parse(Encoding.UTF8.GetString(body));
                }
                catch (FormatException e)
                {
                    Report(XdfProblemKind.InvalidStreamFooter, start, streamId, e.Message);
                }
                return end;
        }
    }

    private int ReadSamplesChunk(ReadOnlySpan<byte> data, XdfStreamBuilder builder, ReadOnlySpan<byte> body, int start, int end, bool cutOff)
    {
        var outcome = builder.ReadSamples(body, cutOff, out var samplesRead);
        switch (outcome)
        {
            case SamplesOutcome.Truncated:
                Report(XdfProblemKind.TruncatedChunk, start, builder.StreamId,
                    $"the file ends inside a Samples chunk; {samplesRead} complete samples of it were kept");
                return data.Length;
            case SamplesOutcome.Corrupt:
                // The framing may still be right: go on at the chunk's end; the next chunk's checks catch the rest.
                Report(XdfProblemKind.CorruptChunk, start, builder.StreamId, "a Samples chunk with invalid content was dropped");
                return LooksLikeChunkStart(data, end) ? end : Resynchronise(data, start, "the chunk after a corrupt Samples chunk is not valid either", report: false);
            case SamplesOutcome.TrailingBytes:
                Report(XdfProblemKind.TrailingBytesInChunk, start, builder.StreamId, "a Samples chunk has bytes after its last sample");
                return end;
            default:
                return end;
        }
    }

    private void ReadStreamHeader(uint streamId, ReadOnlySpan<byte> body, int start)
    {
        if (_byId.ContainsKey(streamId))
        {
            Report(XdfProblemKind.DuplicateStreamHeader, start, streamId, "a second StreamHeader for this stream was ignored");
            return;
        }
        try
        {
            var info = XdfStreamInfo.Parse(Encoding.UTF8.GetString(body));
            var builder = new XdfStreamBuilder(streamId, info, start);
            _builders.Add(builder);
            _byId.Add(streamId, builder);
        }
        catch (FormatException e)
        {
            _reportedMissingHeader.Add(streamId);
            Report(XdfProblemKind.InvalidStreamHeader, start, streamId, e.Message + "; the stream's chunks are skipped");
        }
    }

    private int Truncated(ReadOnlySpan<byte> data, int start, string message)
    {
        Report(XdfProblemKind.TruncatedChunk, start, null, message);
        return data.Length;
    }

    /// <summary>Skips to just after the next Boundary UUID (or to the end) and reports it.</summary>
    private int Resynchronise(ReadOnlySpan<byte> data, int start, string reason, bool report = true)
    {
        var boundary = NextBoundary(data, start + 1);
        var resume = boundary < 0 ? data.Length : boundary + XdfLayout.BoundaryUuid.Length;
        var skipped = resume - start;
        var what = boundary < 0
            ? $"no Boundary chunk follows: the last {skipped} bytes were skipped"
            : $"resumed after the Boundary chunk at byte {boundary - 4} ({skipped} bytes skipped)";
        Report(XdfProblemKind.CorruptChunk, start, null, report ? $"{reason}; {what}" : what);
        return resume;
    }

    private static int NextBoundary(ReadOnlySpan<byte> data, int from)
    {
        if (from >= data.Length)
        {
            return -1;
        }
        var index = data[from..].IndexOf(XdfLayout.BoundaryUuid);
        return index < 0 ? -1 : from + index;
    }

    /// <summary>Whether <paramref name="position"/> is the end of the file or a plausible chunk: valid length prefix and a known tag.</summary>
    private static bool LooksLikeChunkStart(ReadOnlySpan<byte> data, int position)
    {
        if (position >= data.Length)
        {
            return position == data.Length;
        }
        var p = position;
        if (!XdfLayout.TryReadVarLen(data, ref p, out var length) || length < 2)
        {
            return false;
        }
        if (p + 2 > data.Length)
        {
            return true;
        }
        var tag = BinaryPrimitives.ReadUInt16LittleEndian(data[p..]);
        return tag is >= 1 and <= 6;
    }

    private void Report(XdfProblemKind kind, long offset, uint? streamId, string message) =>
        _problems.Add(new XdfProblem(kind, offset, streamId, message));

    private XdfFile Finish()
    {
        if (_fileHeader is null && !_problems.Any(p => p.Kind == XdfProblemKind.MissingFileHeader))
        {
            Report(XdfProblemKind.MissingFileHeader, XdfLayout.Magic.Length, null, "the file has no FileHeader chunk");
        }
        var streams = new List<XdfStream>(_builders.Count);
        foreach (var builder in _builders)
        {
            if (builder.Footer is null)
            {
                Report(XdfProblemKind.MissingStreamFooter, builder.HeaderOffset, builder.StreamId,
                    $"stream '{builder.Info.Name}' has no StreamFooter (recording not closed properly); {builder.SampleCount} samples loaded");
            }
            else if (builder.Footer.SampleCount is { } declared && declared != builder.SampleCount)
            {
                Report(XdfProblemKind.FooterSampleCountMismatch, builder.HeaderOffset, builder.StreamId,
                    $"footer says {declared} samples, the file holds {builder.SampleCount}");
            }
            streams.Add(builder.Build(_options));
        }
        return new XdfFile(_fileHeader, streams, _problems.ToArray());
    }

    public void Dispose()
    {
        foreach (var builder in _builders)
        {
            builder.Dispose();
        }
    }
}
