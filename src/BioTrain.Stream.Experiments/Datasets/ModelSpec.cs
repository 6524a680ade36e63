using BioTrain.Stream.Models;

namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>Which shipped model a data set trains, at which input size.</summary>
public sealed record ModelSpec(string ZooName, ZooOptions Options)
{
    /// <summary>MI-BMInet with the paper's filter sizes (F1 8, D 1, F2 16) at the given input size.</summary>
    public static ModelSpec MiBmiNet(int channels, int samples, int classes) =>
        new("mi-bminet", new ZooOptions { Channels = channels, Samples = samples, Classes = classes, F1 = 8, D = 1, F2 = 16 });

    public ModelDefinition Build(uint seed) => ModelZoo.Build(ZooName, Options with { Seed = seed });

    public override string ToString()
    {
        var o = Options;
        var filters = ZooName == "epidenet" ? string.Empty : $", F1 {o.F1}, D {o.D}, F2 {o.F2}";
        return $"{ZooName} ({o.Channels} x {o.Samples}, {o.Classes} classes{filters})";
    }
}
