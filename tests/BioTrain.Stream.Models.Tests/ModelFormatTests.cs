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

    private static ModelBuilder Tokens() => new ModelBuilder("t", new TensorShape(1, 4, 64)).PatchEmbed(16, 8); // 4 x 8 x 16

    [Fact]
    public void Token_layers_follow_the_device_rules()
    {
        var m = ModelFiles.SelfCheckTransformer(false);
        Assert.Equal(new TensorShape(4, 8, 16), m.Layers[0].Output);
        Assert.Equal(16 * 8 + 16, m.Layers[0].ParameterCount);
        Assert.Equal(32L * 8 * 16, m.Layers[0].Macs);
        var attention = m.Layers[3];
        Assert.Equal(LayerKind.Attention, attention.Kind);
        Assert.Equal((4 * 16 * 16) + (4 * 16), attention.ParameterCount);
        Assert.Equal((4L * 32 * 16 * 16) + (2L * 32 * 32 * 16), attention.Macs);
        Assert.Equal(2, m.Layers[4].Skip);
        Assert.Equal(5, m.Layers[9].Skip);
        Assert.Equal(new TensorShape(1, 1, 16), m.Layers[11].Output);
        Assert.Equal(32, m.Layers[10].ParameterCount); // layer norm: gamma, beta
        var recon = ModelFiles.SelfCheckTransformer(true);
        Assert.Equal(recon.Input, recon.Layers[^1].Output);
        Assert.Equal(256, recon.Classes);
    }

    [Fact]
    public void Layer_norm_starts_at_gamma_1_beta_0_and_attention_he_uniform()
    {
        var m = ModelFiles.SelfCheckTransformer(false);
        var at = m.Layers.Take(2).Sum(l => l.ParameterCount);
        Assert.All(Enumerable.Range(at, 16), k => Assert.Equal(1f, m.Weights[k]));
        Assert.All(Enumerable.Range(at + 16, 16), k => Assert.Equal(0f, m.Weights[k]));
        at += 32;
        var bound = MathF.Sqrt(6f / 16);
        Assert.All(Enumerable.Range(at, 4 * 16 * 16), k => Assert.InRange(m.Weights[k], -bound, bound));
    }

    [Fact]
    public void Tinymyo_has_the_reference_sizes()
    {
        var m = ModelZoo.Build("tinymyo");
        Assert.Equal(new TensorShape(1, 16, 1000), m.Input);
        Assert.Equal(new TensorShape(16, 50, 192), m.Layers[0].Output); // 800 tokens
        Assert.Equal(1 + (8 * 8) + 3, m.Layers.Count);
        Assert.InRange(m.ParameterCount, 3_500_000, 3_700_000); // the paper's 3.6 M
        var attention = m.Layers.Where(l => l.Kind == LayerKind.Attention).ToList();
        Assert.Equal(8, attention.Count);
        Assert.All(attention, l => Assert.Equal((3, 50), (l.HyperParameters[0], l.HyperParameters[1])));
        // The 8-channel, 400-token variant: 1.92 G MACs in the paper's GAP9 measurement.
        var eight = ModelZoo.Build("tinymyo", new ZooOptions { Channels = 8 });
        Assert.InRange(eight.MacsPerForward, 1_900_000_000, 1_930_000_000);
    }

    [Fact]
    public void Tinymyo_s_is_sized_for_the_myo_armband()
    {
        var m = ModelZoo.Build("tinymyo-s");
        Assert.Equal(new TensorShape(1, 8, 100), m.Input);
        Assert.Equal(new TensorShape(8, 10, 32), m.Layers[0].Output); // 80 tokens of 50 ms
        Assert.Equal(28, m.Layers.Count);
        Assert.Equal(38726, m.ParameterCount);
        Assert.Equal(6, m.Classes);
    }

    [Fact]
    public void A_skip_connection_to_a_later_tensor_or_to_its_own_input_is_refused()
    {
        var b = Tokens().Gelu();
        Assert.Equal(ModelError.SkipLater, Assert.Throws<ModelFormatException>(() => b.Add(b.Tensor)).Reason);
        Assert.Equal(ModelError.SkipLater, Assert.Throws<ModelFormatException>(() => b.Add(b.Tensor + 3)).Reason);
        var ok = b.Add(1); // the patch embedding's output
        Assert.Equal(1, ok.Layers[^1].Skip);
    }

    [Fact]
    public void A_skip_connection_to_a_missing_tensor_is_refused_when_the_blob_is_read()
    {
        var blob = ModelFiles.SelfCheckTransformer(false).ToBytes();
        var record = ModelFormat.HeaderSize + (4 * ModelFormat.LayerRecordSize);
        Assert.Equal((byte)LayerKind.Add, blob[record]);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(blob.AsSpan(record + 4), 14); // tensors are 0..13
        FixCrc(blob);
        var ex = Assert.Throws<ModelFormatException>(() => ModelFormat.Read(blob));
        Assert.Equal(ModelError.SkipMissing, ex.Reason);
        Assert.Contains("tensor 14", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_skip_connection_of_another_shape_is_refused()
    {
        var ex = Assert.Throws<ModelFormatException>(() => Tokens().Gelu().Add(0));
        Assert.Equal(ModelError.SkipShape, ex.Reason);
    }

    [Fact]
    public void A_head_count_that_does_not_divide_the_width_is_refused()
    {
        var ex = Assert.Throws<ModelFormatException>(() => Tokens().Attention(3));
        Assert.Equal(ModelError.Heads, ex.Reason);
        Assert.Contains("3 attention heads do not divide the width 16", ex.Message, StringComparison.Ordinal);
        Assert.Equal(ModelError.Heads, Assert.Throws<ModelFormatException>(() => Tokens().Attention(0)).Reason);
        Assert.Equal(4, Tokens().Attention(4).Layers[^1].HyperParameters[0]);
    }

    [Fact]
    public void A_sequence_longer_than_the_rotary_table_is_refused()
    {
        var ex = Assert.Throws<ModelFormatException>(() => Tokens().Attention(2, rotaryPositions: 7));
        Assert.Equal(ModelError.Sequence, ex.Reason);
        Assert.Contains("8 positions per channel, the rotary table holds 7", ex.Message, StringComparison.Ordinal);
        Assert.Equal(ModelError.Sequence, Assert.Throws<ModelFormatException>(() => Tokens().Rope(8, 4)).Reason);
        Tokens().Attention(2, rotaryPositions: 8).Rope(8, 50); // as long as the table, or shorter
    }

    [Fact]
    public void Impossible_token_layers_are_refused_as_layer_errors()
    {
        Assert.Equal(ModelError.Layer, Assert.Throws<ModelFormatException>(() => new ModelBuilder("t", new TensorShape(1, 4, 64)).PatchEmbed(16, 7)).Reason);
        Assert.Equal(ModelError.Layer, Assert.Throws<ModelFormatException>(() => Tokens().Rope(3, 8)).Reason);
        Assert.Equal(ModelError.Layer, Assert.Throws<ModelFormatException>(() => Tokens().Attention(16, rotaryPositions: 8)).Reason); // head dim 1
        Assert.Equal(ModelError.Layer, Assert.Throws<ModelFormatException>(() => Tokens().LayerNorm(0f)).Reason);
        Assert.Equal(ModelError.Layer, Assert.Throws<ModelFormatException>(() => Tokens().TokenLinear(0)).Reason);
        Assert.Equal(ModelError.Layer, Assert.Throws<ModelFormatException>(() => Tokens().ReconHead(0)).Reason);
    }

    [Fact]
    public void Random_corruption_of_the_transformer_never_throws_anything_but_a_format_error()
    {
        var good = ModelFiles.SelfCheckTransformer(false).ToBytes();
        var rng = new Random(4);
        for (var round = 0; round < 2000; round++)
        {
            var bad = (byte[])good.Clone();
            for (var k = rng.Next(1, 5); k > 0; k--)
            {
                bad[rng.Next(ModelFormat.HeaderSize + 13 * ModelFormat.LayerRecordSize)] = (byte)rng.Next(256);
            }

            FixCrc(bad);
            try
            {
                ModelFormat.Read(bad);
            }
            catch (ModelFormatException e)
            {
                Assert.NotEqual(ModelError.None, e.Reason);
            }
        }
    }

    private static void FixCrc(byte[] blob) =>
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(blob.Length - 4), Crc32C.Compute(blob.AsSpan(0, blob.Length - 4)));

    [Fact]
    public void Crc32c_check_value() => Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
}
