using BioTrain.Stream.Daemon.Persistence;
using BioTrain.Stream.Models;

namespace BioTrain.Stream.Daemon.Tests;

public sealed class PersistenceTests : IDisposable
{
    private static readonly System.Text.Json.JsonSerializerOptions CamelCase = new() { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase };
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
    public async Task A_damaged_current_version_falls_back_to_the_previous_one_never_to_nothing()
    {
        var store = new SubjectStore(_dir);
        await store.SaveAsync(Weights(3), CancellationToken.None);
        await store.SaveAsync(Weights(4), CancellationToken.None);
        var current = Path.Combine(store.DirectoryOf("S01"), "weights.btw");
        var bytes = await File.ReadAllBytesAsync(current);
        bytes[^10] ^= 1;
        await File.WriteAllBytesAsync(current, bytes);
        var (loaded, problem) = await store.LoadAsync("S01", 7, CancellationToken.None);
        Assert.Equal(3, loaded!.Weights.Span[0]);
        Assert.Contains("CRC does not match", problem, StringComparison.Ordinal);
        Assert.Contains("using the previous version", problem, StringComparison.Ordinal);

        await File.WriteAllBytesAsync(current, bytes[..(bytes.Length / 2)]); // torn
        Assert.Equal(3, (await store.LoadAsync("S01", 7, CancellationToken.None)).Weights!.Weights.Span[0]);
    }

    [Fact]
    public async Task A_save_keeps_the_current_version_as_the_previous_one_and_leaves_no_temporary_file()
    {
        var store = new SubjectStore(_dir);
        await store.SaveAsync(Weights(3), CancellationToken.None);
        await store.SaveAsync(Weights(4), CancellationToken.None);
        var (loaded, _) = await store.LoadAsync("S01", 7, CancellationToken.None);
        Assert.Equal(4, loaded!.Weights.Span[0]);
        Assert.Equal(["weights.btw", "weights.prev.btw"], Directory.GetFiles(store.DirectoryOf("S01")).Select(Path.GetFileName).Order());
        store.Delete("S01");
        Assert.Equal((null, null), await store.LoadAsync("S01", 7, CancellationToken.None));
    }

    [Fact]
    public async Task Non_finite_weights_are_never_saved_nor_loaded()
    {
        var store = new SubjectStore(_dir);
        await store.SaveAsync(Weights(3), CancellationToken.None);
        var poisoned = new float[10];
        poisoned[6] = float.NaN;
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(poisoned.AsSpan()).ToArray();
        var weights = Weights(0) with { WeightsCrc = Crc32C.Compute(bytes), Weights = bytes };
        var error = await Assert.ThrowsAsync<SubjectStoreException>(() => store.SaveAsync(weights, CancellationToken.None));
        Assert.Contains("parameter 6 of 10 is NaN", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, (await store.LoadAsync("S01", 7, CancellationToken.None)).Weights!.Weights.Span[0]);

        // Written by something else (an older daemon): refused at load, and the previous version used.
        await File.WriteAllBytesAsync(Path.Combine(store.DirectoryOf("S01"), "weights.prev.btw"), await File.ReadAllBytesAsync(Path.Combine(store.DirectoryOf("S01"), "weights.btw")));
        await File.WriteAllBytesAsync(Path.Combine(store.DirectoryOf("S01"), "weights.btw"), WeightsFile.Encode(weights));
        var (loaded, problem) = await store.LoadAsync("S01", 7, CancellationToken.None);
        Assert.Equal(3, loaded!.Weights.Span[0]);
        Assert.Contains("non-finite", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_crash_at_any_step_of_a_save_leaves_a_whole_version_the_new_or_the_one_before()
    {
        var random = new Random(18);
        var store = new SubjectStore(_dir);
        await store.SaveAsync(Weights(1), CancellationToken.None);
        byte committed = 1;
        for (byte round = 2; round < 80; round++)
        {
            var crashAt = (SaveStep)random.Next(0, 4); // 3: no crash
            var crashing = new SubjectStore(_dir, step =>
            {
                if (step == crashAt)
                {
                    throw new IOException($"killed at {step}");
                }
            });
            try
            {
                await crashing.SaveAsync(Weights(round), CancellationToken.None);
            }
            catch (SubjectStoreException)
            {
            }

            if (random.Next(4) == 0)
            {
                TearTemporaryFiles(store.DirectoryOf("S01"), random); // a kill mid-write leaves a partial file
            }

            var (loaded, _) = await new SubjectStore(_dir).LoadAsync("S01", 7, CancellationToken.None);
            Assert.NotNull(loaded);
            var got = loaded!.Weights.Span[0];
            Assert.True(got == round || got == committed, $"round {round}, crash at {crashAt}: loaded version {got}, expected {round} or {committed}");
            Assert.True(loaded.Weights.ToArray().All(b => b == got), "weights from one version only");
            Assert.Equal(crashAt is SaveStep.Renamed or (SaveStep)3 ? round : committed, got);
            committed = got;
        }
    }

    [Fact]
    public async Task A_state_directory_that_refuses_writes_gives_a_typed_error()
    {
        // /proc refuses new files to every user, root included (tests may run as root, for whom mode bits do not).
        var store = new SubjectStore("/proc/biotrain-state");
        var error = await Assert.ThrowsAsync<SubjectStoreException>(() => store.SaveAsync(Weights(4), CancellationToken.None));
        Assert.Contains("cannot save the weights of S01 in /proc/biotrain-state/subjects/S01", error.Message, StringComparison.Ordinal);
        Assert.Equal((null, null), await store.LoadAsync("S01", 7, CancellationToken.None));
    }

    [Fact]
    public async Task Weights_saved_by_version_1_as_a_file_pair_still_load_when_the_pair_agrees()
    {
        var store = new SubjectStore(_dir);
        var dir = store.DirectoryOf("S01");
        Directory.CreateDirectory(dir);
        var w = Weights(5);
        await File.WriteAllBytesAsync(Path.Combine(dir, "weights.bin"), w.Weights.ToArray());
        await File.WriteAllTextAsync(Path.Combine(dir, "weights.json"), System.Text.Json.JsonSerializer.Serialize(w, CamelCase));
        Assert.Equal(5, (await store.LoadAsync("S01", 7, CancellationToken.None)).Weights!.Weights.Span[0]);
        await File.WriteAllBytesAsync(Path.Combine(dir, "weights.bin"), Weights(6).Weights.ToArray()); // from another round
        var (loaded, problem) = await store.LoadAsync("S01", 7, CancellationToken.None);
        Assert.Null(loaded);
        Assert.Contains("does not match", problem, StringComparison.Ordinal);
    }

    private static void TearTemporaryFiles(string dir, Random random)
    {
        foreach (var temp in Directory.GetFiles(dir, "*.tmp"))
        {
            var bytes = File.ReadAllBytes(temp);
            File.WriteAllBytes(temp, bytes[..random.Next(bytes.Length)]);
        }
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
