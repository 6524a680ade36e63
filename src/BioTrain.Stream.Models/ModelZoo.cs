namespace BioTrain.Stream.Models;

/// <summary>Sizes of a shipped model. Zero means the model's default.</summary>
public sealed record ZooOptions
{
    public int Channels { get; init; }

    public int Samples { get; init; }

    public int Classes { get; init; }

    public int F1 { get; init; }

    public int D { get; init; }

    public int F2 { get; init; }

    public uint Seed { get; init; } = 1;

    /// <summary>TinyMyo family: samples per patch (token).</summary>
    public int Patch { get; init; }

    /// <summary>TinyMyo family: token width.</summary>
    public int Width { get; init; }

    /// <summary>TinyMyo family: attention heads.</summary>
    public int Heads { get; init; }

    /// <summary>TinyMyo family: encoder blocks.</summary>
    public int Blocks { get; init; }
}

/// <summary>
/// The shipped biosignal models (MODEL.md section 5), the same bytes as the firmware's <c>bt_zoo_build</c>:
/// MI-BMInet (motor imagery EEG), the EOG EpiDeNet variant, EEGNet-8,2, and the TinyMyo EMG transformer at
/// its reference sizes (tinymyo) and sized to train fully on the device (tinymyo-s).
/// </summary>
public static class ModelZoo
{
    public static IReadOnlyList<string> Names { get; } = ["mi-bminet", "epidenet", "eegnet", "tinymyo", "tinymyo-s"];

    /// <summary>
    /// Defaults: MI-BMInet 8 x 2000, 4 classes, F1 8, D 1, F2 16; EpiDeNet 2 x 1000, 11 classes; EEGNet-8,2 22 x 256,
    /// 4 classes; TinyMyo 16 x 1000, patches of 20, width 192, 3 heads, 8 blocks, 6 classes; TinyMyo-S 8 x 100,
    /// patches of 10, width 32, 2 heads, 3 blocks, 6 classes.
    /// </summary>
    public static ZooOptions Defaults(string name) => name switch
    {
        "mi-bminet" => new ZooOptions { Channels = 8, Samples = 2000, Classes = 4, F1 = 8, D = 1, F2 = 16 },
        "epidenet" => new ZooOptions { Channels = 2, Samples = 1000, Classes = 11 },
        "eegnet" => new ZooOptions { Channels = 22, Samples = 256, Classes = 4, F1 = 8, D = 2, F2 = 16 },
        "tinymyo" => new ZooOptions { Channels = 16, Samples = 1000, Classes = 6, Patch = 20, Width = 192, Heads = 3, Blocks = 8 },
        "tinymyo-s" => new ZooOptions { Channels = 8, Samples = 100, Classes = 6, Patch = 10, Width = 32, Heads = 2, Blocks = 3 },
        _ => throw new ModelFormatException($"unknown model '{name}' (known: {string.Join(", ", Names)})"),
    };

    /// <summary>Builds a shipped model; options left 0 take the defaults.</summary>
    public static ModelDefinition Build(string name, ZooOptions? options = null)
    {
        var d = Defaults(name);
        var o = options ?? d;
        o = o with
        {
            Channels = o.Channels > 0 ? o.Channels : d.Channels,
            Samples = o.Samples > 0 ? o.Samples : d.Samples,
            Classes = o.Classes > 0 ? o.Classes : d.Classes,
            F1 = o.F1 > 0 ? o.F1 : d.F1,
            D = o.D > 0 ? o.D : d.D,
            F2 = o.F2 > 0 ? o.F2 : d.F2,
            Patch = o.Patch > 0 ? o.Patch : d.Patch,
            Width = o.Width > 0 ? o.Width : d.Width,
            Heads = o.Heads > 0 ? o.Heads : d.Heads,
            Blocks = o.Blocks > 0 ? o.Blocks : d.Blocks,
        };
        return name switch
        {
            "mi-bminet" => MiBmiNet(o),
            "epidenet" => EpiDeNet(o),
            "tinymyo" or "tinymyo-s" => TinyMyo(name, o),
            _ => EegNet(o),
        };
    }

    /// <summary>
    /// The TinyMyo encoder (reference: edge-training.md section 2): channel-independent patches embedded by one linear
    /// map, pre-norm blocks of multi-head self-attention over all tokens with rotary positions that restart in every
    /// channel, and an MLP of ratio 4 with GELU, each around a residual add; then a layer norm, the mean of the tokens
    /// and a linear classifier.
    /// </summary>
    public static ModelDefinition TinyMyo(string name, ZooOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var b = new ModelBuilder(name, new TensorShape(1, o.Channels, o.Samples)).PatchEmbed(o.Width, o.Patch);
        var positions = o.Patch > 0 ? o.Samples / o.Patch : 0;
        for (var i = 0; i < o.Blocks; i++)
        {
            var blockIn = b.Tensor;
            b.LayerNorm().Attention(o.Heads, rotaryPositions: positions).Add(blockIn);
            var mlpIn = b.Tensor;
            b.LayerNorm().TokenLinear(4 * o.Width).Gelu().TokenLinear(o.Width).Add(mlpIn);
        }

        return b.LayerNorm().TokenMean().Linear(o.Classes).Build(o.Seed);
    }

    public static ModelDefinition MiBmiNet(ZooOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var f1d = o.F1 * o.D;
        return new ModelBuilder("mi-bminet", new TensorShape(1, o.Channels, o.Samples))
            .Conv2D(o.F1, o.Channels, 1)              // spatial
            .Norm()
            .TemporalSame(f1d, 64, groups: o.F1)      // temporal, grouped
            .Norm()
            .Relu()
            .AvgPool(1, 8, 1, 8)
            .TemporalSame(f1d, 16, groups: f1d)       // separable: depthwise
            .Conv2D(o.F2, 1, 1)                       // pointwise
            .Norm()
            .Relu()
            .AvgPool(1, 8, 1, 8)
            .Flatten()
            .Linear(o.Classes)
            .Build(o.Seed);
    }

    public static ModelDefinition EpiDeNet(ZooOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var b = new ModelBuilder("epidenet", new TensorShape(1, o.Channels, o.Samples));
        int[] kernel = [4, 16, 8];
        int[] filters = [4, 16, 16];
        int[] pool = [8, 4, 4];
        for (var i = 0; i < 3; i++)
        {
            b.Conv2D(filters[i], 1, kernel[i]).Norm().Relu().MaxPool(1, pool[i], 1, pool[i]);
        }

        b.Conv2D(16, o.Channels, 1).Norm().Relu()     // spatial
            .Conv2D(16, 1, 1).Norm().Relu();
        var t = Math.Min(5, b.Current.Width);
        return b.AvgPool(1, t, 1, t).Flatten().Linear(o.Classes).Build(o.Seed);
    }

    public static ModelDefinition EegNet(ZooOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var f1d = o.F1 * o.D;
        return new ModelBuilder("eegnet", new TensorShape(1, o.Channels, o.Samples))
            .TemporalSame(o.F1, 64)                   // temporal
            .Norm()
            .Conv2D(f1d, o.Channels, 1, groups: o.F1) // depthwise spatial
            .Norm()
            .Elu()
            .AvgPool(1, 4, 1, 4)
            .TemporalSame(f1d, 16, groups: f1d)       // separable: depthwise
            .Conv2D(o.F2, 1, 1)                       // pointwise
            .Norm()
            .Elu()
            .AvgPool(1, 8, 1, 8)
            .Flatten()
            .Linear(o.Classes)
            .Build(o.Seed);
    }
}
