using System.Buffers.Binary;
using System.Text;

namespace BioTrain.Stream.Device.Protocol;

/// <summary>Bounds-checked little-endian payload reader; any shortfall is a <see cref="MalformedPayloadException"/>.</summary>
public ref struct PayloadReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly MessageType _type;
    private int _position;

    public PayloadReader(ReadOnlySpan<byte> data, MessageType type)
    {
        _data = data;
        _type = type;
        _position = 0;
    }

    public readonly int Remaining => _data.Length - _position;

    public ReadOnlySpan<byte> Take(int count, string field)
    {
        if (count < 0 || count > Remaining)
        {
            throw new MalformedPayloadException(_type, $"{field} needs {count} bytes at offset {_position}, {Remaining} left");
        }

        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }

    /// <summary>Checks that <paramref name="count"/> elements of <paramref name="elementSize"/> bytes follow, before anything is allocated for them.</summary>
    public readonly int Count(long count, int elementSize, string field)
    {
        if (count < 0 || count * elementSize > Remaining)
        {
            throw new MalformedPayloadException(_type, $"{field} claims {count} elements of {elementSize} bytes, {Remaining} bytes left");
        }

        return (int)count;
    }

    public byte U8(string field) => Take(1, field)[0];

    public ushort U16(string field) => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, field));

    public uint U32(string field) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, field));

    public ulong U64(string field) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, field));

    public float F32(string field) => BinaryPrimitives.ReadSingleLittleEndian(Take(4, field));

    public string Str8(string field)
    {
        var length = U8(field);
        var bytes = Take(length, field);
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new MalformedPayloadException(_type, $"{field} is not valid UTF-8: {e.Message}");
        }
    }

    /// <summary>Trailing bytes are malformed too: a payload is exactly what its type says.</summary>
    public readonly void End()
    {
        if (Remaining != 0)
        {
            throw new MalformedPayloadException(_type, $"{Remaining} unexpected trailing bytes");
        }
    }
}
