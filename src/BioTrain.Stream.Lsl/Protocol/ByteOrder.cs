namespace BioTrain.Stream.Lsl.Protocol;

/// <summary>Byte-order codes of the feed header (1234 little-endian, 4321 big-endian).</summary>
internal static class ByteOrder
{
    public const int LittleEndian = 1234;
    public const int BigEndian = 4321;

    public static int Native => BitConverter.IsLittleEndian ? LittleEndian : BigEndian;

    /// <summary>Reverses each value of <paramref name="valueSize"/> bytes in place.</summary>
    public static void ReverseValues(Span<byte> values, int valueSize)
    {
        if (valueSize <= 1)
        {
            return;
        }

        for (var i = 0; i + valueSize <= values.Length; i += valueSize)
        {
            values.Slice(i, valueSize).Reverse();
        }
    }
}
