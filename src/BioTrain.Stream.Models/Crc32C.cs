using System.Buffers.Binary;
using System.Numerics;

namespace BioTrain.Stream.Models;

/// <summary>
/// CRC-32C (Castagnoli, reflected 0x82F63B78): the model blob trailer and the frame CRC of
/// protocol/SPEC.md alike; hardware-accelerated where the CPU has it.
/// </summary>
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
