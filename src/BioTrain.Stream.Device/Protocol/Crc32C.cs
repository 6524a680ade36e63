using System.Buffers.Binary;
using System.Numerics;

namespace BioTrain.Stream.Device.Protocol;

/// <summary>CRC-32C (Castagnoli) as the frame trailer uses it; hardware-accelerated where the CPU has it.</summary>
public static class Crc32C
{
    public const uint Initial = 0xFFFFFFFFu;

    public static uint Append(uint state, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            state = BitOperations.Crc32C(state, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            state = BitOperations.Crc32C(state, b);
        }

        return state;
    }

    public static uint Finish(uint state) => state ^ 0xFFFFFFFFu;

    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Initial, data));
}
