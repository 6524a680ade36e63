using System.Text.Json;
using BioTrain.Stream.Device.Diagnostics;
using BioTrain.Stream.Device.Emulation;
using BioTrain.Stream.Device.Profiling;
using BioTrain.Stream.Models;

namespace BioTrain.Stream.Device.Tests;

/// <summary>`biotrain model profile` and the profiler under it, on the real virtual GAP9 (QEMU).</summary>
public class ModelProfileTests
{
    private static readonly Dictionary<string, string> Defaults = new(StringComparer.Ordinal) { ["batch"] = "8", ["scope"] = "full", ["norm"] = "group" };

    [Fact]
    public async Task Cli_prints_per_layer_and_per_hart_counts_and_both_estimates()
    {
        var (exit, stdout, stderr) = await CliProcess.RunAsync("model", "profile", "--model", "epidenet", "--harts", "2", "--json");
        Assert.True(exit == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var r = json.RootElement;
        Assert.Equal(2, r.GetProperty("harts").GetInt32());
        Assert.InRange(r.GetProperty("balance").GetDouble(), 0.5, 1.0);
        Assert.InRange(r.GetProperty("training").GetProperty("instructions_per_mac").GetDouble(), 1.0, 4.0);
        Assert.InRange(r.GetProperty("forward").GetProperty("instructions_per_mac").GetDouble(), 1.0, 5.0);
        Assert.Equal(2, r.GetProperty("training").GetProperty("per_hart").GetArrayLength());
        var layers = r.GetProperty("layers").EnumerateArray().ToList();
        Assert.Equal(r.GetProperty("training").GetProperty("macs").GetInt64(), layers.Sum(l => l.GetProperty("train_macs").GetInt64()));
        Assert.Equal(["E1", "E2"], r.GetProperty("estimates").EnumerateArray().Select(e => e.GetProperty("model").GetString()));
        Assert.Equal(85, r.GetProperty("paper").GetProperty("samples_per_second").GetDouble());
    }

    [Fact]
    public async Task Cli_refuses_devices_that_count_nothing()
    {
        var (exit, _, stderr) = await CliProcess.RunAsync("model", "profile", "--device", "emu:native");
        Assert.Equal(1, exit);
        Assert.Contains("virtual GAP9 only", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eight_harts_shorten_the_busiest_hart_not_the_work()
    {
        var blob = ModelFormat.Write(ModelZoo.Build("mi-bminet", new ZooOptions { Channels = 4, Samples = 512, Seed = 2 }));
        var one = await new QemuProfiler(new VirtualDeviceOptions { Harts = 1 }).RunAsync(blob, Defaults, CancellationToken.None);
        var eight = await new QemuProfiler(new VirtualDeviceOptions { Harts = 8 }).RunAsync(blob, Defaults, CancellationToken.None);
        Assert.Equal(one.TrainSample.Instructions, one.TrainSample.Critical);
        Assert.Single(one.TrainSample.PerHart);
        Assert.Equal(8, eight.TrainSample.PerHart.Count);
        Assert.True(eight.TrainSample.Critical * 4 < one.TrainSample.Critical, $"{eight.TrainSample.Critical} vs {one.TrainSample.Critical}");
        // The work is the same up to the hand-overs between harts (well under 5 %).
        Assert.InRange((double)eight.TrainSample.Instructions / one.TrainSample.Instructions, 1.0, 1.05);
        Assert.True(eight.TrainE2.Seconds < one.TrainE2.Seconds);
        Assert.Equal(one.TrainE1.Seconds, eight.TrainE1.Seconds); // E1 counts MACs only
    }

    [Fact]
    public void Firmware_refusals_are_typed_errors()
    {
        var e = Assert.Throws<DeviceStartException>(() => ModelProfile.Parse("{\"error\": \"model needs 5 bytes\"}"));
        Assert.Contains("model needs 5 bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("-smp", QemuProfiler.Arguments("x.elf", "m.btm", "a.txt", 3));
        Assert.Throws<DeviceStartException>(() => QemuProfiler.Arguments("x.elf", "m.btm", "a.txt", 9));
        Assert.Equal(Gap9EstimateModel.E2, Gap9Estimate.FromCriticalInstructions(1).Model);
    }
}
