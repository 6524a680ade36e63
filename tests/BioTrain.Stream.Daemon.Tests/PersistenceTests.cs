using BioTrain.Stream.Daemon.Persistence;
using BioTrain.Stream.Models;

namespace BioTrain.Stream.Daemon.Tests;

public sealed class PersistenceTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"bt-state-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static SubjectWeights Weights(byte fill, uint arch = 7) =>
        new("S01", "mi-bminet", arch, Crc32C.Compute(Enumerable.Repeat(fill, 40).ToArray()), 10, 0.8, 1, DateTimeOffset.UnixEpoch)
        {
            Weights = Enumerable.Repeat(fill, 40).ToArray(),
        };

    [Fact]
    public async Task Saved_weights_load_back_for_the_same_architecture_only()
    {
        var store = new SubjectStore(_dir);
        await store.SaveAsync(Weights(3), CancellationToken.None);
        var (loaded, problem) = await store.LoadAsync("S01", 7, CancellationToken.None);
        Assert.Null(problem);
        Assert.Equal(Enumerable.Repeat((byte)3, 40).ToArray(), loaded!.Weights.ToArray());
        Assert.Equal(0.8, loaded.CalibrationAccuracy);

        var (other, why) = await store.LoadAsync("S01", 8, CancellationToken.None);
        Assert.Null(other);
        Assert.Contains("another model architecture", why, StringComparison.Ordinal);
        Assert.Equal((null, null), await store.LoadAsync("S02", 7, CancellationToken.None));
    }

    [Fact]
    public async Task A_damaged_weights_file_is_refused_not_loaded()
    {
        var store = new SubjectStore(_dir);
        await store.SaveAsync(Weights(3), CancellationToken.None);
        var bin = Path.Combine(store.DirectoryOf("S01"), "weights.bin");
        var bytes = await File.ReadAllBytesAsync(bin);
        bytes[5] ^= 1;
        await File.WriteAllBytesAsync(bin, bytes);
        var (loaded, problem) = await store.LoadAsync("S01", 7, CancellationToken.None);
        Assert.Null(loaded);
        Assert.Contains("does not match", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_save_replaces_the_previous_weights_whole_and_leaves_no_temporary_file()
    {
        var store = new SubjectStore(_dir);
        await store.SaveAsync(Weights(3), CancellationToken.None);
        await store.SaveAsync(Weights(4), CancellationToken.None);
        var (loaded, _) = await store.LoadAsync("S01", 7, CancellationToken.None);
        Assert.Equal(4, loaded!.Weights.Span[0]);
        Assert.Equal(["weights.bin", "weights.json"], Directory.GetFiles(store.DirectoryOf("S01")).Select(Path.GetFileName).Order());
        store.Delete("S01");
        Assert.Equal((null, null), await store.LoadAsync("S01", 7, CancellationToken.None));
    }

    [Fact]
    public void Architecture_identity_ignores_weights_and_seed_but_not_shape()
    {
        var a = ModelFormat.Write(ModelZoo.Build("epidenet", new ZooOptions { Seed = 1 }));
        var b = ModelFormat.Write(ModelZoo.Build("epidenet", new ZooOptions { Seed = 2 }));
        var c = ModelFormat.Write(ModelZoo.Build("epidenet", new ZooOptions { Classes = 5 }));
        Assert.Equal(SubjectStore.ArchitectureCrc(a), SubjectStore.ArchitectureCrc(b));
        Assert.NotEqual(SubjectStore.ArchitectureCrc(a), SubjectStore.ArchitectureCrc(c));
    }
}
