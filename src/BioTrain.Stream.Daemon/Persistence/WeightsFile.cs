using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using BioTrain.Stream.Models;

namespace BioTrain.Stream.Daemon.Persistence;

/// <summary>
/// One saved version of a subject's weights in one file: <c>BTW1</c>, the metadata as JSON
/// (u32 length first), the weights as float32 LE (u32 length first), and a CRC-32C of all that,
/// little-endian. A file torn anywhere, or from two rounds, fails its CRC.
/// </summary>
internal static class WeightsFile
{
    private static readonly byte[] Magic = "BTW1"u8.ToArray();
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static byte[] Encode(SubjectWeights weights)
    {
        var meta = JsonSerializer.SerializeToUtf8Bytes(weights, Json);
        var data = weights.Weights.Span;
        var file = new byte[4 + 4 + meta.Length + 4 + data.Length + 4];
        Magic.CopyTo(file, 0);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(4), meta.Length);
        meta.CopyTo(file, 8);
        var at = 8 + meta.Length;
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(at), data.Length);
        data.CopyTo(file.AsSpan(at + 4));
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(file.Length - 4), Crc32C.Compute(file.AsSpan(0, file.Length - 4)));
        return file;
    }

    public static bool TryDecode(byte[] file, out SubjectWeights weights, out string why)
    {
        weights = null!;
        if (file.Length < 16 || !file.AsSpan(0, 4).SequenceEqual(Magic))
        {
            why = "not a weights file";
            return false;
        }

        if (Crc32C.Compute(file.AsSpan(0, file.Length - 4)) != BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(file.Length - 4)))
        {
            why = "its CRC does not match: torn or altered";
            return false;
        }

        var metaLength = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(4));
        var at = 8 + metaLength;
        if (metaLength < 0 || at + 8 > file.Length)
        {
            why = "its metadata length runs past the file";
            return false;
        }

        var dataLength = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(at));
        if (dataLength < 0 || at + 4 + dataLength != file.Length - 4)
        {
            why = "its weights length disagrees with the file";
            return false;
        }

        SubjectWeights? meta;
        try
        {
            meta = JsonSerializer.Deserialize<SubjectWeights>(file.AsSpan(8, metaLength), Json);
        }
        catch (JsonException e)
        {
            why = $"its metadata does not parse ({e.Message})";
            return false;
        }

        var data = file.AsMemory(at + 4, dataLength);
        if (meta is null || data.Length != meta.ParameterCount * 4 || Crc32C.Compute(data.Span) != meta.WeightsCrc)
        {
            why = "its weights disagree with their metadata";
            return false;
        }

        weights = meta with { Weights = data };
        why = string.Empty;
        return true;
    }
}
