using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace BioTrain.Stream.Device.Protocol;

/// <summary>Little-endian payload writer over a buffer writer.</summary>
public readonly ref struct PayloadWriter
{
    private readonly IBufferWriter<byte> _output;

    public PayloadWriter(IBufferWriter<byte> output) => _output = output;

    public void U8(byte value)
    {
        _output.GetSpan(1)[0] = value;
        _output.Advance(1);
    }

    public void U16(ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(_output.GetSpan(2), value);
        _output.Advance(2);
    }

    public void U32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_output.GetSpan(4), value);
        _output.Advance(4);
    }

    public void U64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_output.GetSpan(8), value);
        _output.Advance(8);
    }

    public void F32(float value)
    {
        BinaryPrimitives.WriteSingleLittleEndian(_output.GetSpan(4), value);
        _output.Advance(4);
    }

    public void Bytes(ReadOnlySpan<byte> data) => _output.Write(data);

    /// <summary>A str8; text longer than 255 UTF-8 bytes is an error, not silently cut.</summary>
    public void Str8(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        if (count > byte.MaxValue)
        {
            throw new ArgumentException($"string of {count} UTF-8 bytes does not fit a str8", nameof(value));
        }

        U8((byte)count);
        var span = _output.GetSpan(count);
        Encoding.UTF8.GetBytes(value, span);
        _output.Advance(count);
    }
}
