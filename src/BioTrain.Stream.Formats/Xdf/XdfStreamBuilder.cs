using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace BioTrain.Stream.Formats.Xdf;

/// <summary>How a Samples chunk decoded.</summary>
internal enum SamplesOutcome
{
    Complete,
    /// <summary>All samples decoded, bytes left over at the end.</summary>
    TrailingBytes,
    /// <summary>The chunk was cut off by the end of the file; the complete samples were kept.</summary>
    Truncated,
    /// <summary>The content is invalid; nothing of the chunk was kept.</summary>
    Corrupt,
}

/// <summary>Accumulates one stream's chunks while a file is parsed, in pooled buffers (no allocation per numeric sample).</summary>
internal sealed class XdfStreamBuilder : IDisposable
{
    private readonly int _valueSize;
    private readonly int _channelCount;
    private readonly double _interval;
    private readonly PooledBuffer<double> _timestamps = new(1024);
    private readonly PooledBuffer<byte> _values;
    private readonly List<string>? _strings;
    private readonly List<XdfClockOffset> _offsets = [];
    private double _lastTimestamp;

    public XdfStreamBuilder(uint streamId, XdfStreamInfo info, long headerOffset)
    {
        StreamId = streamId;
        Info = info;
        HeaderOffset = headerOffset;
        _channelCount = info.ChannelCount;
        _valueSize = info.ChannelFormat.ByteSize();
        _interval = info.NominalSrate > 0 ? 1.0 / info.NominalSrate : 0.0;
        _values = new PooledBuffer<byte>(_valueSize > 0 ? 4096 : 16);
        _strings = info.ChannelFormat == XdfChannelFormat.String ? [] : null;
    }

    public uint StreamId { get; }
    public XdfStreamInfo Info { get; }
    public long HeaderOffset { get; }
    public XdfStreamFooter? Footer { get; set; }
    public int SampleCount => _timestamps.Count;

    public void AddClockOffset(XdfClockOffset offset) => _offsets.Add(offset);

    /// <summary>Decodes a Samples chunk's content (after the stream id). <paramref name="cutOff"/>: the content is known to end early.</summary>
    public SamplesOutcome ReadSamples(ReadOnlySpan<byte> content, bool cutOff, out int samplesRead)
    {
        samplesRead = 0;
        var position = 0;
        if (!XdfLayout.TryReadVarLen(content, ref position, out var declared))
        {
            return cutOff ? SamplesOutcome.Truncated : SamplesOutcome.Corrupt;
        }
        var minimumSampleBytes = 1 + (_channelCount * (_valueSize > 0 ? _valueSize : 2));
        if (!cutOff && declared > (ulong)((content.Length - position) / minimumSampleBytes))
        {
            return SamplesOutcome.Corrupt;
        }

        var timestampMark = _timestamps.Count;
        var valueMark = _values.Count;
        var stringMark = _strings?.Count ?? 0;
        var lastMark = _lastTimestamp;
        for (ulong i = 0; i < declared; i++)
        {
            var valuesBefore = _values.Count;
            var stringsBefore = _strings?.Count ?? 0;
            if (!TryReadSample(content, ref position, out var timestamp, out var invalid))
            {
                if (cutOff && !invalid)
                {
                    // Keep the complete samples before the cut; drop the partial one.
                    _values.Truncate(valuesBefore);
                    _strings?.RemoveRange(stringsBefore, _strings.Count - stringsBefore);
                    return SamplesOutcome.Truncated;
                }
                _timestamps.Truncate(timestampMark);
                _values.Truncate(valueMark);
                _strings?.RemoveRange(stringMark, _strings.Count - stringMark);
                _lastTimestamp = lastMark;
                samplesRead = 0;
                return SamplesOutcome.Corrupt;
            }
            _timestamps.Add(timestamp);
            _lastTimestamp = timestamp;
            samplesRead++;
        }
        if (cutOff)
        {
            return SamplesOutcome.Truncated;
        }
        return position == content.Length ? SamplesOutcome.Complete : SamplesOutcome.TrailingBytes;
    }

    private bool TryReadSample(ReadOnlySpan<byte> content, ref int position, out double timestamp, out bool invalid)
    {
        timestamp = 0;
        invalid = false;
        if (position >= content.Length)
        {
            return false;
        }
        var timestampBytes = content[position++];
        if (timestampBytes == 8)
        {
            if (position + 8 > content.Length)
            {
                return false;
            }
            timestamp = BinaryPrimitives.ReadDoubleLittleEndian(content.Slice(position, 8));
            position += 8;
        }
        else if (timestampBytes == 0)
        {
            // Deduced: the chain starts at 0 and carries across chunks; irregular streams repeat the last stamp.
            timestamp = _lastTimestamp + _interval;
        }
        else
        {
            invalid = true;
            return false;
        }

        if (_strings is null)
        {
            var byteCount = _channelCount * _valueSize;
            if (position + byteCount > content.Length)
            {
                return false;
            }
            content.Slice(position, byteCount).CopyTo(_values.GetSpan(byteCount));
            _values.Advance(byteCount);
            position += byteCount;
            return true;
        }

        for (var channel = 0; channel < _channelCount; channel++)
        {
            var lengthStart = position;
            if (!XdfLayout.TryReadVarLen(content, ref position, out var length))
            {
                invalid = lengthStart < content.Length && content[lengthStart] is not (1 or 4 or 8);
                return false;
            }
            if (length > (ulong)(content.Length - position))
            {
                return false;
            }
            _strings.Add(Encoding.UTF8.GetString(content.Slice(position, (int)length)));
            position += (int)length;
        }
        return true;
    }

    /// <summary>Builds the finished stream; <paramref name="timestamps"/> replaces the raw ones when clocks were applied.</summary>
    public XdfStream Build(XdfReadOptions options)
    {
        var raw = GC.AllocateUninitializedArray<double>(_timestamps.Count);
        _timestamps.Span.CopyTo(raw);
        var timestamps = options.ApplyClockOffsets && _offsets.Count > 0
            ? XdfClockSynchronizer.Apply(raw, _offsets, options.ClockResetThresholdSeconds)
            : raw;
        var data = new XdfSampleData(Info.ChannelFormat, _channelCount, raw.Length, BuildValues());
        return new XdfStream(StreamId, Info, timestamps, data, _offsets.ToArray(), Footer,
            options.ApplyClockOffsets && _offsets.Count > 0);
    }

    private Array BuildValues() => Info.ChannelFormat switch
    {
        XdfChannelFormat.Float32 => Typed<float>(),
        XdfChannelFormat.Double64 => Typed<double>(),
        XdfChannelFormat.Int8 => Typed<sbyte>(),
        XdfChannelFormat.Int16 => Typed<short>(),
        XdfChannelFormat.Int32 => Typed<int>(),
        XdfChannelFormat.Int64 => Typed<long>(),
        _ => _strings?.ToArray() ?? [],
    };

    private T[] Typed<T>() where T : unmanaged
    {
        var source = MemoryMarshal.Cast<byte, T>(_values.Span);
        var result = GC.AllocateUninitializedArray<T>(source.Length);
        source.CopyTo(result);
        if (!BitConverter.IsLittleEndian)
        {
            ReverseEndianness(result);
        }
        return result;
    }

    private static void ReverseEndianness<T>(T[] values) where T : unmanaged
    {
        switch (values)
        {
            case short[] s: BinaryPrimitives.ReverseEndianness(s, s); break;
            case int[] i: BinaryPrimitives.ReverseEndianness(i, i); break;
            case long[] l: BinaryPrimitives.ReverseEndianness(l, l); break;
            case float[] f:
                var fi = MemoryMarshal.Cast<float, int>(f.AsSpan());
                BinaryPrimitives.ReverseEndianness(fi, fi);
                break;
            case double[] d:
                var dl = MemoryMarshal.Cast<double, long>(d.AsSpan());
                BinaryPrimitives.ReverseEndianness(dl, dl);
                break;
            default: break;
        }
    }

    public void Dispose()
    {
        _timestamps.Dispose();
        _values.Dispose();
    }
}
