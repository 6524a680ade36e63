namespace BioTrain.Stream.Models;

/// <summary>Sizes of a shipped model. Zero for F1/D/F2 means the model's default.</summary>
public sealed record ZooOptions
{
    public int Channels { get; init; }

    public int Samples { get; init; }

    public int Classes { get; init; }

    public int F1 { get; init; }

    public int D { get; init; }

    public int F2 { get; init; }

    public uint Seed { get; init; } = 1;
}

/// <summary>
/// The shipped biosignal models (MODEL.md section 5), the same bytes as the firmware's <c>bt_zoo_build</c>:
/// MI-BMInet (motor imagery EEG), the EOG EpiDeNet variant and EEGNet-8,2.
/// </summary>
public static class ModelZoo
{
    public static IReadOnlyList<string> Names { get; } = ["mi-bminet", "epidenet", "eegnet"];

    /// <summary>Defaults: MI-BMInet 8 x 2000, 4 classes, F1 8, D 1, F2 16; EpiDeNet 2 x 1000, 11 classes; EEGNet-8,2 22 x 256, 4 classes.</summary>
    public static ZooOptions Defaults(string name) => name switch
    {
        "mi-bminet" => new ZooOptions { Channels = 8, Samples = 2000, Classes = 4, F1 = 8, D = 1, F2 = 16 },
        "epidenet" => new ZooOptions { Channels = 2, Samples = 1000, Classes = 11 },
        "eegnet" => new ZooOptions { Channels = 22, Samples = 256, Classes = 4, F1 = 8, D = 2, F2 = 16 },
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
        };
        return name switch
        {
            "mi-bminet" => MiBmiNet(o),
            "epidenet" => EpiDeNet(o),
            _ => EegNet(o),
        };
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
