using System.Buffers.Binary;

namespace BioTrain.Stream.Device.Protocol;

/// <summary>Frame flags (protocol/SPEC.md 2.2).</summary>
[Flags]
public enum FrameFlagBits : byte
{
    None = 0,
    Unsolicited = 0x01,
    Retransmit = 0x02,
}

/// <summary>The 12-byte frame header (protocol/SPEC.md 2.2); its layout is frozen across versions.</summary>
public readonly record struct FrameHeader(byte Version, MessageType Type, FrameFlagBits Flags, ushort Seq, ushort Credit, uint Length)
{
    public const int Size = 12;
    public const int CrcSize = 4;
    public const int Overhead = Size + CrcSize;

    public void Write(Span<byte> destination)
    {
        destination[0] = Version;
        destination[1] = (byte)Type;
        destination[2] = (byte)Flags;
        destination[3] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], Seq);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], Credit);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Length);
    }

    public static FrameHeader Read(ReadOnlySpan<byte> source) => new(
        source[0],
        (MessageType)source[1],
        (FrameFlagBits)source[2],
        BinaryPrimitives.ReadUInt16LittleEndian(source[4..]),
        BinaryPrimitives.ReadUInt16LittleEndian(source[6..]),
        BinaryPrimitives.ReadUInt32LittleEndian(source[8..]));
}
