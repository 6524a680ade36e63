using System.Globalization;

namespace BioTrain.Stream.Models.Tests;

/// <summary>protocol/models of the source tree and its manifest.tsv.</summary>
internal static class ModelFiles
{
    public static string RepoRoot => RepoPaths.Root;

    public static string Directory => Path.Combine(RepoRoot, "protocol", "models");

    public sealed record Entry(string File, string Model, ZooOptions Options, int Params, long Macs);

    public static IReadOnlyList<Entry> Manifest()
    {
        var list = new List<Entry>();
        foreach (var line in File.ReadAllLines(Path.Combine(Directory, "manifest.tsv")))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var f = line.Split('\t');
            int I(int k) => int.Parse(f[k], CultureInfo.InvariantCulture);
            var options = new ZooOptions
            {
                Channels = I(2), Samples = I(3), Classes = I(4), F1 = I(5), D = I(6), F2 = I(7), Seed = uint.Parse(f[8], CultureInfo.InvariantCulture),
                Patch = I(11), Width = I(12), Heads = I(13), Blocks = I(14),
            };
            list.Add(new Entry(f[0], f[1], options, I(9), long.Parse(f[10], CultureInfo.InvariantCulture)));
        }

        return list;
    }

    /// <summary>The firmware's self-check model (firmware-gap9/core/src/selfcheck.c), built here with the builder API.</summary>
    public static ModelDefinition SelfCheck() =>
        new ModelBuilder("selfcheck", new TensorShape(1, 4, 64))
            .Conv2D(4, 4, 1)
            .Norm(2)
            .Relu()
            .Conv2D(4, 1, 9, padLeft: 4, padRight: 4, groups: 4)
            .Norm(2)
            .Elu(1f)
            .MaxPool(1, 4, 1, 4)
            .Conv2D(8, 1, 3, strideW: 2, padLeft: 1, padRight: 1, groups: 2, bias: true)
            .AvgPool(1, 4, 1, 4)
            .Flatten()
            .Linear(3)
            .Build(42);

    /// <summary>The firmware's self-check transformer (bt_selfcheck_transformer), with a classifier or a reconstruction head.</summary>
    public static ModelDefinition SelfCheckTransformer(bool recon)
    {
        var b = new ModelBuilder(recon ? "selfcheck-recon" : "selfcheck-tf", new TensorShape(1, 4, 64))
            .PatchEmbed(16, 8)
            .Rope(8, 8, 100f);
        var blockIn = b.Tensor;
        b.LayerNorm().Attention(2, rotaryPositions: 8).Add(blockIn);
        var mlpIn = b.Tensor;
        b.LayerNorm().TokenLinear(32).Gelu().TokenLinear(16).Add(mlpIn).LayerNorm();
        return (recon ? b.ReconHead(8) : b.TokenMean().Linear(3)).Build(43);
    }

    public static ModelDefinition Build(Entry e) => e.Model switch
    {
        "selfcheck" => SelfCheck(),
        "selfcheck-tf" => SelfCheckTransformer(false),
        "selfcheck-recon" => SelfCheckTransformer(true),
        _ => ModelZoo.Build(e.Model, e.Options),
    };

    public sealed record Refused(string File, ModelError Reason, string ReasonName, string What);

    /// <summary>refused.tsv: blobs every parser refuses, with the reason (MODEL.md section 6).</summary>
    public static IReadOnlyList<Refused> RefusedBlobs() =>
        File.ReadAllLines(Path.Combine(Directory, "refused.tsv"))
            .Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l.Split('\t'))
            .Select(f => new Refused(f[0], (ModelError)int.Parse(f[1], CultureInfo.InvariantCulture), f[2], f[3]))
            .ToList();
}
