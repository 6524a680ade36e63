using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace BioTrain.Stream.Models;

/// <summary>Writes and reads model blobs, format version 1 (protocol/MODEL.md).</summary>
public static class ModelFormat
{
    public const int Version = 1;
    public const int HeaderSize = 48;
    public const int LayerRecordSize = 32;
    public const int NameSize = 16;

    private static ReadOnlySpan<byte> Magic => "BTMD"u8;

    public static int BlobSize(int layers, int parameters) => HeaderSize + layers * LayerRecordSize + parameters * 4 + 4;

    public static byte[] Write(ModelDefinition model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var blob = new byte[BlobSize(model.Layers.Count, model.ParameterCount)];
        var s = blob.AsSpan();
        Magic.CopyTo(s);
        BinaryPrimitives.WriteUInt16LittleEndian(s[4..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(s[6..], (ushort)model.Layers.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(s[8..], (ushort)model.Input.Channels);
        BinaryPrimitives.WriteUInt16LittleEndian(s[10..], (ushort)model.Input.Height);
        BinaryPrimitives.WriteUInt16LittleEndian(s[12..], (ushort)model.Input.Width);
        BinaryPrimitives.WriteUInt16LittleEndian(s[14..], (ushort)model.Classes);
        BinaryPrimitives.WriteUInt32LittleEndian(s[16..], (uint)model.ParameterCount);
        BinaryPrimitives.WriteUInt32LittleEndian(s[20..], model.Seed);
        Encoding.ASCII.GetBytes(model.Name, s.Slice(32, NameSize));
        var at = HeaderSize;
        foreach (var layer in model.Layers)
        {
            s[at] = (byte)layer.Kind;
            s[at + 1] = layer.HasBias ? (byte)1 : (byte)0;
            for (var k = 0; k < 12; k++)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(s[(at + 4 + 2 * k)..], layer.HyperParameters[k]);
            }

            BinaryPrimitives.WriteSingleLittleEndian(s[(at + 28)..], layer.F);
            at += LayerRecordSize;
        }

        foreach (var w in model.Weights)
        {
            BinaryPrimitives.WriteSingleLittleEndian(s[at..], w);
            at += 4;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(s[at..], Crc32C.Compute(s[..at]));
        return blob;
    }

    /// <summary>Parses and validates a blob with the device's rules; a bad blob is a <see cref="ModelFormatException"/>.</summary>
    public static ModelDefinition Read(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < HeaderSize + 4 || !blob[..4].SequenceEqual(Magic))
        {
            throw new ModelFormatException("not a model blob (magic BTMD missing)");
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(blob[4..]);
        if (version != Version)
        {
            throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"model format version {version} is not supported (expected {Version})"));
        }

        int layerCount = BinaryPrimitives.ReadUInt16LittleEndian(blob[6..]);
        var input = new TensorShape(
            BinaryPrimitives.ReadUInt16LittleEndian(blob[8..]),
            BinaryPrimitives.ReadUInt16LittleEndian(blob[10..]),
            BinaryPrimitives.ReadUInt16LittleEndian(blob[12..]));
        int classes = BinaryPrimitives.ReadUInt16LittleEndian(blob[14..]);
        var paramCount = BinaryPrimitives.ReadUInt32LittleEndian(blob[16..]);
        var seed = BinaryPrimitives.ReadUInt32LittleEndian(blob[20..]);
        if (BinaryPrimitives.ReadUInt64LittleEndian(blob[24..]) != 0)
        {
            throw new ModelFormatException("model header has unknown flags");
        }

        if (layerCount is 0 or > ModelBuilder.MaxLayers || paramCount > 1u << 26 ||
            blob.Length != BlobSize(layerCount, (int)paramCount))
        {
            throw new ModelFormatException("model blob length does not match its header");
        }

        var stored = BinaryPrimitives.ReadUInt32LittleEndian(blob[^4..]);
        if (Crc32C.Compute(blob[..^4]) != stored)
        {
            throw new ModelFormatException("model blob CRC-32C mismatch");
        }

        var name = Encoding.ASCII.GetString(blob.Slice(32, NameSize)).TrimEnd('\0');
        var builder = new ModelBuilder(name, input);
        for (var i = 0; i < layerCount; i++)
        {
            var r = blob.Slice(HeaderSize + i * LayerRecordSize, LayerRecordSize);
            var kind = (LayerKind)r[0];
            if ((r[1] & ~1) != 0 || BinaryPrimitives.ReadUInt16LittleEndian(r[2..]) != 0)
            {
                throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"layer {i}: reserved bits set"));
            }

            var p = new int[12];
            for (var k = 0; k < 12; k++)
            {
                p[k] = BinaryPrimitives.ReadUInt16LittleEndian(r[(4 + 2 * k)..]);
            }

            var f = BinaryPrimitives.ReadSingleLittleEndian(r[28..]);
            builder.AddRecord(kind, r[1] == 1, f, p, layerCount);
        }

        var weights = new float[paramCount];
        var w = blob.Slice(HeaderSize + layerCount * LayerRecordSize, (int)paramCount * 4);
        for (var k = 0; k < weights.Length; k++)
        {
            weights[k] = BinaryPrimitives.ReadSingleLittleEndian(w[(4 * k)..]);
        }

        var model = builder.WithWeights(weights, seed);
        if (model.Classes != classes)
        {
            throw new ModelFormatException("the last layer's outputs do not match the header's classes");
        }

        return model;
    }
}
