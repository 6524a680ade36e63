namespace BioTrain.Stream.Models.Tests;

/// <summary>The C# builders against the golden blobs of protocol/models, which the C tests check too.</summary>
public sealed class GoldenModelTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var e in ModelFiles.Manifest())
        {
            data.Add(e.File);
        }

        return data;
    }

    private static ModelFiles.Entry Entry(string file) => ModelFiles.Manifest().Single(e => e.File == file);

    [Theory]
    [MemberData(nameof(Files))]
    public void Builder_makes_the_golden_bytes(string file)
    {
        var e = Entry(file);
        var expected = File.ReadAllBytes(Path.Combine(ModelFiles.Directory, file));
        var built = ModelFiles.Build(e).ToBytes();
        Assert.Equal(expected.Length, built.Length);
        Assert.Equal(expected, built);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Parameter_count_and_macs_match_the_manifest(string file)
    {
        var e = Entry(file);
        var model = ModelFiles.Build(e);
        Assert.Equal(e.Params, model.ParameterCount);
        Assert.Equal(e.Macs, model.MacsPerForward);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Golden_blob_reads_back_and_writes_the_same_bytes(string file)
    {
        var bytes = File.ReadAllBytes(Path.Combine(ModelFiles.Directory, file));
        var model = ModelFormat.Read(bytes);
        Assert.Equal(Entry(file).Model, model.Name);
        Assert.Equal(bytes, model.ToBytes());
    }

    public static TheoryData<string> RefusedFiles()
    {
        var data = new TheoryData<string>();
        foreach (var r in ModelFiles.RefusedBlobs())
        {
            data.Add(r.File);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RefusedFiles))]
    public void Refused_blob_is_refused_with_its_reason(string file)
    {
        var r = ModelFiles.RefusedBlobs().Single(e => e.File == file);
        var bytes = File.ReadAllBytes(Path.Combine(ModelFiles.Directory, "refused", file));
        var ex = Assert.Throws<ModelFormatException>(() => ModelFormat.Read(bytes));
        Assert.Equal(r.Reason, ex.Reason);
        Assert.StartsWith("layer ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_reason_of_a_bad_skip_head_count_or_sequence_has_a_refused_blob()
    {
        var reasons = ModelFiles.RefusedBlobs().Select(r => r.Reason).ToHashSet();
        foreach (var e in new[] { ModelError.SkipMissing, ModelError.SkipLater, ModelError.SkipShape, ModelError.Heads, ModelError.Sequence })
        {
            Assert.Contains(e, reasons);
        }
    }

    /// <summary>TinyMyo at its reference sizes is a 14 MB blob: its golden blob is a small one from the same builder.</summary>
    [Fact]
    public void Every_shipped_model_has_a_golden_blob_at_its_defaults()
    {
        foreach (var name in ModelZoo.Names.Where(n => n != "tinymyo"))
        {
            var d = ModelZoo.Defaults(name);
            Assert.Contains(ModelFiles.Manifest(), e => e.Model == name && e.Options.Channels == d.Channels && e.Options.Samples == d.Samples && e.Options.Seed == 1);
        }

        Assert.Contains(ModelFiles.Manifest(), e => e.Model == "tinymyo");
    }
}
