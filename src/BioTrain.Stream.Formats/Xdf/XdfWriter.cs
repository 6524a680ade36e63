using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Xml.Linq;

namespace BioTrain.Stream.Formats.Xdf;

/// <summary>
/// Writes an XDF file as data arrives: stream headers, Samples chunks, ClockOffset and Boundary chunks
/// in any interleaving, and StreamFooters (first/last timestamp, sample count, clock offsets) at
/// <see cref="Complete"/>. Every chunk is encoded whole before it is written, so the file always ends on
/// a chunk boundary after a flush, and a reader can load an unfinished file. All methods are thread-safe:
/// a recorder may write from one thread per inlet and call <see cref="Complete"/> from a signal handler.
/// </summary>
public sealed class XdfWriter : IDisposable, IAsyncDisposable
{
    private const int HeaderRoom = 9;

    private readonly System.IO.Stream _output;
    private readonly bool _leaveOpen;
    private readonly XdfWriterOptions _options;
    private readonly Lock _gate = new();
    private readonly Dictionary<uint, StreamState> _streams = [];
    private byte[] _chunk = ArrayPool<byte>.Shared.Rent(1 << 16);
    private bool _completed;
    private bool _disposed;

    public XdfWriter(System.IO.Stream output, XdfWriterOptions? options = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("XdfWriter needs a little-endian machine");
        }
        _output = output;
        _leaveOpen = leaveOpen;
        _options = options ?? XdfWriterOptions.Default;
        _output.Write(XdfLayout.Magic);
        WriteXmlChunk(XdfChunkTag.FileHeader, null, FileHeaderXml(_options.Datetime));
    }

    /// <summary>Creates (or overwrites) <paramref name="path"/> and writes the magic and file header.</summary>
    public static XdfWriter Create(string path, XdfWriterOptions? options = null)
    {
        var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        try
        {
            return new XdfWriter(file, options);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Bytes handed to the output so far.</summary>
    public long BytesWritten { get; private set; }

    public bool IsCompleted
    {
        get
        {
            lock (_gate)
            {
                return _completed;
            }
        }
    }

    /// <summary>Writes a StreamHeader chunk. <paramref name="info"/>'s raw XML is written as is when it has one (an LSL fullinfo).</summary>
    public void AddStream(uint streamId, XdfStreamInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (info.ChannelFormat == XdfChannelFormat.Undefined || info.ChannelCount < 0)
        {
            throw new ArgumentException("the stream needs a channel format and a non-negative channel count", nameof(info));
        }
        lock (_gate)
        {
            ThrowIfCompleted();
            if (_streams.ContainsKey(streamId))
            {
                throw new InvalidOperationException($"stream {streamId} already has a header");
            }
            WriteXmlChunk(XdfChunkTag.StreamHeader, streamId, info.ToXml());
            _streams.Add(streamId, new StreamState(info));
        }
    }

    public void WriteSamples(uint streamId, ReadOnlySpan<double> timestamps, ReadOnlySpan<float> values) => WriteNumeric(streamId, timestamps, values);

    public void WriteSamples(uint streamId, ReadOnlySpan<double> timestamps, ReadOnlySpan<double> values) => WriteNumeric(streamId, timestamps, values);

    public void WriteSamples(uint streamId, ReadOnlySpan<double> timestamps, ReadOnlySpan<sbyte> values) => WriteNumeric(streamId, timestamps, values);

    public void WriteSamples(uint streamId, ReadOnlySpan<double> timestamps, ReadOnlySpan<short> values) => WriteNumeric(streamId, timestamps, values);

    public void WriteSamples(uint streamId, ReadOnlySpan<double> timestamps, ReadOnlySpan<int> values) => WriteNumeric(streamId, timestamps, values);

    public void WriteSamples(uint streamId, ReadOnlySpan<double> timestamps, ReadOnlySpan<long> values) => WriteNumeric(streamId, timestamps, values);

    /// <summary>Writes samples of a string stream; <paramref name="values"/> is interleaved sample-major.</summary>
    public void WriteSamples(uint streamId, ReadOnlySpan<double> timestamps, ReadOnlySpan<string> values)
    {
        lock (_gate)
        {
            var stream = Stream(streamId, XdfChannelFormat.String, timestamps.Length, values.Length);
            var channels = stream.Info.ChannelCount;
            for (var start = 0; start < timestamps.Length; start += _options.MaxSamplesPerChunk)
            {
                var count = Math.Min(_options.MaxSamplesPerChunk, timestamps.Length - start);
                var chunkValues = values.Slice(start * channels, count * channels);
                long size = 6 + 9 + (count * 9L);
                foreach (var value in chunkValues)
                {
                    var bytes = Encoding.UTF8.GetByteCount(value ?? "");
                    size += XdfLayout.VarLenSize((ulong)bytes) + bytes;
                }
                var content = BeginChunk(XdfChunkTag.Samples, streamId, size);
                var position = 6 + XdfLayout.WriteVarLen(content[6..], (ulong)count);
                for (var i = 0; i < count; i++)
                {
                    position += WriteTimestamp(content[position..], stream, timestamps[start + i], i == 0);
                    foreach (var value in chunkValues.Slice(i * channels, channels))
                    {
                        var text = value ?? "";
                        var bytes = Encoding.UTF8.GetByteCount(text);
                        position += XdfLayout.WriteVarLen(content[position..], (ulong)bytes);
                        position += Encoding.UTF8.GetBytes(text, content[position..]);
                    }
                }
                EndChunk(position);
            }
        }
    }

    /// <summary>Writes a ClockOffset chunk (LabRecorder: every 5 s); it is repeated in the footer.</summary>
    public void WriteClockOffset(uint streamId, double collectionTime, double offsetValue)
    {
        lock (_gate)
        {
            ThrowIfCompleted();
            var stream = _streams.GetValueOrDefault(streamId) ?? throw new InvalidOperationException($"stream {streamId} has no header");
            var content = BeginChunk(XdfChunkTag.ClockOffset, streamId, 22);
            BinaryPrimitives.WriteDoubleLittleEndian(content[6..], collectionTime);
            BinaryPrimitives.WriteDoubleLittleEndian(content[14..], offsetValue);
            EndChunk(22);
            stream.Offsets.Add(new XdfClockOffset(collectionTime, offsetValue));
        }
    }

    /// <summary>Writes a Boundary chunk, where readers resynchronise after damage (LabRecorder: every 10 s).</summary>
    public void WriteBoundary()
    {
        lock (_gate)
        {
            ThrowIfCompleted();
            var content = BeginChunk(XdfChunkTag.Boundary, null, 18);
            XdfLayout.BoundaryUuid.CopyTo(content[2..]);
            EndChunk(18);
        }
    }

    /// <summary>Writes the stream's footer now (otherwise <see cref="Complete"/> does); later samples for it are refused.</summary>
    public void WriteStreamFooter(uint streamId)
    {
        lock (_gate)
        {
            ThrowIfCompleted();
            var stream = _streams.GetValueOrDefault(streamId) ?? throw new InvalidOperationException($"stream {streamId} has no header");
            WriteFooter(streamId, stream);
        }
    }

    public void Flush()
    {
        lock (_gate)
        {
            _output.Flush();
        }
    }

    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        // Writes are synchronous into the output's buffer; the flush itself is the I/O worth awaiting.
        lock (_gate)
        {
            return _output.FlushAsync(cancellationToken);
        }
    }

    /// <summary>Writes the footers still missing and flushes to disk. Idempotent; writes after it throw.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }
            foreach (var (id, stream) in _streams)
            {
                if (!stream.FooterWritten)
                {
                    WriteFooter(id, stream);
                }
            }
            _completed = true;
            if (_output is FileStream file)
            {
                file.Flush(flushToDisk: true);
            }
            else
            {
                _output.Flush();
            }
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        try
        {
            Complete();
        }
        finally
        {
            lock (_gate)
            {
                _disposed = true;
                if (!_leaveOpen)
                {
                    _output.Dispose();
                }
                ArrayPool<byte>.Shared.Return(_chunk);
                _chunk = [];
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        await Task.Run(Complete).ConfigureAwait(false);
        Dispose();
    }

    private void WriteNumeric<T>(uint streamId, ReadOnlySpan<double> timestamps, ReadOnlySpan<T> values) where T : unmanaged
    {
        lock (_gate)
        {
            var stream = Stream(streamId, XdfChannelFormats.Of<T>(), timestamps.Length, values.Length);
            var channels = stream.Info.ChannelCount;
            var sampleBytes = channels * stream.Info.ChannelFormat.ByteSize();
            for (var start = 0; start < timestamps.Length; start += _options.MaxSamplesPerChunk)
            {
                var count = Math.Min(_options.MaxSamplesPerChunk, timestamps.Length - start);
                var content = BeginChunk(XdfChunkTag.Samples, streamId, 6 + 9 + (count * (9L + sampleBytes)));
                var position = 6 + XdfLayout.WriteVarLen(content[6..], (ulong)count);
                var bytes = MemoryMarshal.AsBytes(values.Slice(start * channels, count * channels));
                for (var i = 0; i < count; i++)
                {
                    position += WriteTimestamp(content[position..], stream, timestamps[start + i], i == 0);
                    bytes.Slice(i * sampleBytes, sampleBytes).CopyTo(content[position..]);
                    position += sampleBytes;
                }
                EndChunk(position);
            }
        }
    }

    private StreamState Stream(uint streamId, XdfChannelFormat format, int sampleCount, int valueCount)
    {
        ThrowIfCompleted();
        var stream = _streams.GetValueOrDefault(streamId) ?? throw new InvalidOperationException($"stream {streamId} has no header");
        if (stream.FooterWritten)
        {
            throw new InvalidOperationException($"stream {streamId} already has its footer");
        }
        if (stream.Info.ChannelFormat != format)
        {
            throw new ArgumentException($"stream {streamId} is {stream.Info.ChannelFormat.ToXdfName()}, not {format.ToXdfName()}");
        }
        if ((long)sampleCount * stream.Info.ChannelCount != valueCount)
        {
            throw new ArgumentException($"{sampleCount} timestamps need {sampleCount * (long)stream.Info.ChannelCount} values, got {valueCount}");
        }
        return stream;
    }

    private int WriteTimestamp(Span<byte> destination, StreamState stream, double timestamp, bool firstInChunk)
    {
        var deduce = _options.DeduceTimestamps && !firstInChunk && stream.Interval > 0
            && timestamp == stream.LastTimestamp + stream.Interval;
        stream.Record(timestamp);
        if (deduce)
        {
            destination[0] = 0;
            return 1;
        }
        destination[0] = 8;
        BinaryPrimitives.WriteDoubleLittleEndian(destination[1..], timestamp);
        return 9;
    }

    private void WriteFooter(uint streamId, StreamState stream)
    {
        var footer = new XdfStreamFooter
        {
            FirstTimestamp = stream.SampleCount > 0 ? stream.FirstTimestamp : null,
            LastTimestamp = stream.SampleCount > 0 ? stream.LastTimestamp : null,
            SampleCount = stream.SampleCount,
            ClockOffsets = stream.Offsets,
        };
        WriteXmlChunk(XdfChunkTag.StreamFooter, streamId, footer.ToXml());
        stream.FooterWritten = true;
    }

    private void WriteXmlChunk(XdfChunkTag tag, uint? streamId, string xml)
    {
        var prefix = streamId.HasValue ? 6 : 2;
        var content = BeginChunk(tag, streamId, prefix + Encoding.UTF8.GetByteCount(xml));
        var written = Encoding.UTF8.GetBytes(xml, content[prefix..]);
        EndChunk(prefix + written);
    }

    /// <summary>Room for a chunk's content (tag and stream id already filled in) of at most <paramref name="maxContent"/> bytes.</summary>
    private Span<byte> BeginChunk(XdfChunkTag tag, uint? streamId, long maxContent)
    {
        var needed = HeaderRoom + maxContent;
        if (needed > Array.MaxLength)
        {
            throw new ArgumentException("chunk too large; lower MaxSamplesPerChunk");
        }
        if (needed > _chunk.Length)
        {
            ArrayPool<byte>.Shared.Return(_chunk);
            _chunk = ArrayPool<byte>.Shared.Rent((int)needed);
        }
        var content = _chunk.AsSpan(HeaderRoom);
        BinaryPrimitives.WriteUInt16LittleEndian(content, (ushort)tag);
        if (streamId is { } id)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(content[2..], id);
        }
        return content;
    }

    /// <summary>Puts the length in front of the content built by <see cref="BeginChunk"/> and writes the whole chunk at once.</summary>
    private void EndChunk(int contentLength)
    {
        var headerSize = XdfLayout.VarLenSize((ulong)contentLength);
        var start = HeaderRoom - headerSize;
        XdfLayout.WriteVarLen(_chunk.AsSpan(start), (ulong)contentLength);
        var total = headerSize + contentLength;
        _output.Write(_chunk, start, total);
        BytesWritten += total;
        if (_options.FlushEveryChunk)
        {
            _output.Flush();
        }
    }

    private void ThrowIfCompleted()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException("the XDF file is complete; nothing more can be written");
        }
    }

    private static string FileHeaderXml(DateTimeOffset? datetime)
    {
        var root = new XElement("info", new XElement("version", "1.0"));
        if (datetime is { } time)
        {
            root.Add(new XElement("datetime", time.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture)));
        }
        return "<?xml version=\"1.0\"?>" + root.ToString(SaveOptions.DisableFormatting);
    }

    /// <summary>What the writer tracks per stream for deduction and the footer.</summary>
    private sealed class StreamState(XdfStreamInfo info)
    {
        public XdfStreamInfo Info { get; } = info;
        public double Interval { get; } = info.NominalSrate > 0 ? 1.0 / info.NominalSrate : 0.0;
        public List<XdfClockOffset> Offsets { get; } = [];
        public long SampleCount { get; private set; }
        public double FirstTimestamp { get; private set; }
        public double LastTimestamp { get; private set; }
        public bool FooterWritten { get; set; }

        public void Record(double timestamp)
        {
            if (SampleCount == 0)
            {
                FirstTimestamp = timestamp;
            }
            LastTimestamp = timestamp;
            SampleCount++;
        }
    }
}
