namespace BioTrain.Stream.Models.Tests;

/// <summary>Builder rules, seeded initialisation and refusal of bad blobs.</summary>
public sealed class ModelFormatTests
{
    [Fact]
    public void Same_seed_same_bytes_other_seed_other_weights()
    {
        var a = ModelZoo.Build("mi-bminet", new ZooOptions { Seed = 5 }).ToBytes();
        var b = ModelZoo.Build("mi-bminet", new ZooOptions { Seed = 5 }).ToBytes();
        var c = ModelZoo.Build("mi-bminet", new ZooOptions { Seed = 6 }).ToBytes();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(a.Length, c.Length);
    }

    [Fact]
    public void He_uniform_weights_stay_inside_their_bound()
    {
        var model = ModelZoo.Build("eegnet");
        var at = 0;
        foreach (var layer in model.Layers)
        {
            if (layer.Kind is LayerKind.Conv2D or LayerKind.Linear)
            {
                var bound = MathF.Sqrt(6f / layer.FanIn);
                for (var k = 0; k < layer.WeightCount; k++)
                {
                    Assert.InRange(model.Weights[at + k], -bound, bound);
                }
            }

            at += layer.ParameterCount;
        }
    }

    [Fact]
    public void Shapes_follow_the_device_rules()
    {
        var m = ModelZoo.Build("mi-bminet");
        Assert.Equal(new TensorShape(8, 1, 2000), m.Layers[0].Output);
        Assert.Equal(new TensorShape(8, 1, 250), m.Layers[5].Output);
        Assert.Equal(new TensorShape(16, 1, 31), m.Layers[10].Output);
        Assert.Equal(4, m.Classes);
        var e = ModelZoo.Build("epidenet");
        Assert.Equal(11, e.Classes);
        Assert.Equal(341072, e.MacsPerForward);
    }

    [Fact]
    public void Impossible_layers_are_refused_with_the_layer_named()
    {
        var b = new ModelBuilder("bad", new TensorShape(1, 4, 10));
        var ex = Assert.Throws<ModelFormatException>(() => b.Conv2D(4, 5, 1));
        Assert.Contains("layer 0", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ModelFormatException>(() => new ModelBuilder("bad", new TensorShape(3, 4, 10)).Conv2D(4, 1, 3, groups: 2));
        Assert.Throws<ModelFormatException>(() => new ModelBuilder("bad", new TensorShape(1, 4, 10)).Conv2D(4, 1, 1).Norm(3));
        Assert.Throws<ModelFormatException>(() => new ModelBuilder("bad", new TensorShape(1, 4, 10)).Linear(1).Build(1));
        Assert.Throws<ModelFormatException>(() => new ModelBuilder("a name that is far too long", new TensorShape(1, 4, 10)));
    }

    [Fact]
    public void Corrupt_blobs_are_refused_with_a_reason()
    {
        var good = ModelFiles.SelfCheck().ToBytes();
        var crc = (byte[])good.Clone();
        crc[^1] ^= 1;
        Assert.Contains("CRC", Assert.Throws<ModelFormatException>(() => ModelFormat.Read(crc)).Message, StringComparison.Ordinal);
        Assert.Contains("length", Assert.Throws<ModelFormatException>(() => ModelFormat.Read(good.AsSpan(0, good.Length - 1))).Message, StringComparison.Ordinal);
        Assert.Throws<ModelFormatException>(() => ModelFormat.Read([1, 2, 3]));
    }

    [Fact]
    public void Random_corruption_with_a_valid_crc_never_throws_anything_but_a_format_error()
    {
        var good = ModelFiles.SelfCheck().ToBytes();
        var rng = new Random(3);
        for (var round = 0; round < 2000; round++)
        {
            var bad = (byte[])good.Clone();
            for (var k = rng.Next(1, 5); k > 0; k--)
            {
                bad[rng.Next(ModelFormat.HeaderSize + 11 * ModelFormat.LayerRecordSize)] = (byte)rng.Next(256);
            }

            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bad.AsSpan(bad.Length - 4), Crc32C.Compute(bad.AsSpan(0, bad.Length - 4)));
            try
            {
                ModelFormat.Read(bad);
            }
            catch (ModelFormatException)
            {
            }
        }
    }

    [Fact]
    public void Crc32c_check_value() => Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
}
