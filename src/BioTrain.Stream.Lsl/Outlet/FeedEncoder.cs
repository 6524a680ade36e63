using BioTrain.Stream.Lsl.Protocol;

namespace BioTrain.Stream.Lsl.Outlet;

/// <summary>How one feed connection writes samples: protocol 1.10 (either byte order) or 1.00.</summary>
internal sealed class FeedEncoder
{
    private readonly ChannelFormat _format;
    private readonly int _valueSize;

    public FeedEncoder(int protocolVersion, bool swap, ChannelFormat format)
    {
        ProtocolVersion = protocolVersion;
        Swap = swap;
        _format = format;
        _valueSize = format.ValueSize();
    }

    public int ProtocolVersion { get; }

    public bool Swap { get; }

    public int MaxNumericSize(int sampleBytes, int channels) =>
        ProtocolVersion >= 110 ? 9 + sampleBytes : PortableArchive.MaxNumericSampleSize(channels, _valueSize);

    public int EncodeNumeric(Span<byte> dest, double timestamp, bool deduced, ReadOnlySpan<byte> values) =>
        ProtocolVersion >= 110
            ? SampleCodec110.WriteNumeric(dest, timestamp, deduced, values, _valueSize, Swap)
            : PortableArchive.WriteNumericSample(dest, timestamp, deduced, values, _format);

    public int StringSize(bool deduced, ReadOnlySpan<byte[]> values) =>
        ProtocolVersion >= 110 ? SampleCodec110.StringSize(deduced, values) : PortableArchive.StringSampleSize(values);

    public int EncodeString(Span<byte> dest, double timestamp, bool deduced, ReadOnlySpan<string> values) =>
        EncodeString(dest, timestamp, deduced, Internal.Utf8Values.Encode(values));

    public int EncodeString(Span<byte> dest, double timestamp, bool deduced, ReadOnlySpan<byte[]> values) =>
        ProtocolVersion >= 110
            ? SampleCodec110.WriteString(dest, timestamp, deduced, values, Swap)
            : PortableArchive.WriteStringSample(dest, timestamp, deduced, values);

    /// <summary>The two test-pattern samples, encoded.</summary>
    public byte[] TestPatterns(int channels)
    {
        var parts = new List<byte>();
        foreach (var offset in TestPattern.Offsets)
        {
            byte[] buffer;
            int n;
            if (_format == ChannelFormat.String)
            {
                var strings = Internal.Utf8Values.Encode(TestPattern.Strings(channels));
                buffer = new byte[StringSize(false, strings)];
                n = EncodeString(buffer, LslConstants.TestPatternTimestamp, false, strings);
            }
            else
            {
                var values = TestPattern.Numeric(_format, channels, offset);
                buffer = new byte[MaxNumericSize(values.Length, channels)];
                n = EncodeNumeric(buffer, LslConstants.TestPatternTimestamp, false, values);
            }

            parts.AddRange(buffer.AsSpan(0, n).ToArray());
        }

        return [.. parts];
    }
}
