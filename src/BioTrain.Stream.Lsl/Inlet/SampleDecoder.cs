using BioTrain.Stream.Lsl.Protocol;

namespace BioTrain.Stream.Lsl.Inlet;

/// <summary>Decodes the samples of one feed connection (1.10 in either byte order, or 1.00) into native values.</summary>
internal sealed class SampleDecoder
{
    private readonly int _valueSize;

    public SampleDecoder(int protocolVersion, bool swap, bool flushSubnormals, ChannelFormat format, int maxStringBytes)
    {
        ProtocolVersion = protocolVersion;
        Swap = swap;
        FlushSubnormals = flushSubnormals && format.IsFloatingPoint();
        Format = format;
        MaxStringBytes = maxStringBytes;
        _valueSize = format.ValueSize();
    }

    public int ProtocolVersion { get; }
    public bool Swap { get; }
    public bool FlushSubnormals { get; }
    public ChannelFormat Format { get; }
    public int MaxStringBytes { get; }

    public bool TryDecodeNumeric(ReadOnlySpan<byte> src, Span<byte> values, out double timestamp, out bool deduced, out int consumed)
    {
        var ok = ProtocolVersion >= 110
            ? SampleCodec110.TryReadNumeric(src, values, _valueSize, Swap, out timestamp, out deduced, out consumed)
            : PortableArchive.TryReadNumericSample(src, values, Format, out timestamp, out deduced, out consumed);
        if (ok && FlushSubnormals)
        {
            FlushToZero(values);
        }

        return ok;
    }

    public bool TryDecodeStrings(ReadOnlySpan<byte> src, Span<byte[]> values, out double timestamp, out bool deduced, out int consumed) =>
        ProtocolVersion >= 110
            ? SampleCodec110.TryReadString(src, values, Swap, MaxStringBytes, out timestamp, out deduced, out consumed)
            : PortableArchive.TryReadStringSample(src, values, MaxStringBytes, out timestamp, out deduced, out consumed);

    public bool TryDecodeStrings(ReadOnlySpan<byte> src, Span<string> values, out double timestamp, out bool deduced, out int consumed) =>
        ProtocolVersion >= 110
            ? SampleCodec110.TryReadString(src, values, Swap, MaxStringBytes, out timestamp, out deduced, out consumed)
            : PortableArchive.TryReadStringSample(src, values, MaxStringBytes, out timestamp, out deduced, out consumed);

    private void FlushToZero(Span<byte> values)
    {
        if (Format == ChannelFormat.Float32)
        {
            var floats = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(values);
            foreach (ref var f in floats)
            {
                if (float.IsSubnormal(f))
                {
                    f = 0;
                }
            }
        }
        else
        {
            var doubles = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(values);
            foreach (ref var d in doubles)
            {
                if (double.IsSubnormal(d))
                {
                    d = 0;
                }
            }
        }
    }
}
