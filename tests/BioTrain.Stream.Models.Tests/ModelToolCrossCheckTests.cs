using System.Diagnostics;
using System.Text.Json;

namespace BioTrain.Stream.Models.Tests;

/// <summary>
/// The C# parameter and MAC counts against the firmware engine's own report (bt-model-tool plan), for
/// the shipped models at several sizes. Needs the firmware build (./run-tests builds it first and sets
/// BIOTRAIN_FIRMWARE_DIR); without it the test fails and says so.
/// </summary>
public sealed class ModelToolCrossCheckTests
{
    private static string Tool()
    {
        string[] dirs = [Environment.GetEnvironmentVariable("BIOTRAIN_FIRMWARE_DIR") ?? "", Path.Combine(ModelFiles.RepoRoot, "build", "firmware", "bin")];
        foreach (var d in dirs.Where(d => d.Length > 0))
        {
            var path = Path.Combine(d, "bt-model-tool");
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new InvalidOperationException("bt-model-tool not found: build the firmware (cmake -S firmware-gap9 -B build/firmware && cmake --build build/firmware)");
    }

    private static (int Code, JsonDocument Report) Plan(ModelDefinition model, params string[] args)
    {
        var file = Path.Combine(Path.GetTempPath(), $"bt-xcheck-{Guid.NewGuid():N}.btm");
        File.WriteAllBytes(file, model.ToBytes());
        try
        {
            var psi = new ProcessStartInfo(Tool()) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in (string[])["plan", file, "--json", .. args])
            {
                psi.ArgumentList.Add(a);
            }

            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            var error = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(output.Length > 0, error);
            return (p.ExitCode, JsonDocument.Parse(output));
        }
        finally
        {
            File.Delete(file);
        }
    }

    public static TheoryData<string, int, int, int> Sizes() => new()
    {
        { "mi-bminet", 0, 0, 0 },
        { "mi-bminet", 3, 777, 5 },
        { "epidenet", 0, 0, 0 },
        { "epidenet", 16, 1000, 11 },
        { "eegnet", 0, 0, 0 },
        { "eegnet", 64, 480, 2 },
        { "tinymyo-s", 0, 0, 0 },
        { "tinymyo-s", 8, 200, 7 },
        { "tinymyo", 0, 0, 0 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Parameters_and_macs_agree_with_the_firmware(string name, int channels, int samples, int classes)
    {
        var model = ModelZoo.Build(name, new ZooOptions { Channels = channels, Samples = samples, Classes = classes, Seed = 9 });
        var (_, report) = Plan(model, "--arena", "67108864");
        using (report)
        {
            var r = report.RootElement;
            Assert.Equal(model.ParameterCount, r.GetProperty("params").GetInt32());
            Assert.Equal(model.MacsPerForward, r.GetProperty("macs").GetInt64());
            Assert.Equal(model.Classes, r.GetProperty("classes").GetInt32());
            Assert.Equal(model.Layers.Count, r.GetProperty("layers").GetInt32());
        }
    }

    [Fact]
    public void Transformer_parameters_macs_and_layers_agree_with_the_firmware()
    {
        foreach (var model in new[] { ModelFiles.SelfCheckTransformer(false), ModelFiles.SelfCheckTransformer(true) })
        {
            var (code, report) = Plan(model);
            using (report)
            {
                var r = report.RootElement;
                Assert.Equal(0, code);
                Assert.Equal(model.ParameterCount, r.GetProperty("params").GetInt32());
                Assert.Equal(model.MacsPerForward, r.GetProperty("macs").GetInt64());
                Assert.Equal(model.Classes, r.GetProperty("classes").GetInt32());
            }
        }
    }

    [Fact]
    public void The_firmware_refuses_every_refused_blob_with_the_same_reason()
    {
        foreach (var refused in ModelFiles.RefusedBlobs())
        {
            var psi = new ProcessStartInfo(Tool()) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in (string[])["plan", Path.Combine(ModelFiles.Directory, "refused", refused.File), "--json"])
            {
                psi.ArgumentList.Add(a);
            }

            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.Equal(1, p.ExitCode);
            using var json = JsonDocument.Parse(output);
            Assert.Equal((int)refused.Reason, json.RootElement.GetProperty("reason").GetInt32());
            Assert.Equal(refused.ReasonName, json.RootElement.GetProperty("reason_name").GetString());
        }
    }

    /// <summary>
    /// TinyMyo-S trains every layer inside the virtual GAP9's arena with SGD and with Adam, beside its own blob (the
    /// protocol firmware keeps the uploaded blob at the arena's end).
    /// </summary>
    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void Tinymyo_s_trains_fully_in_l2(string optimizer)
    {
        var model = ModelZoo.Build("tinymyo-s");
        var arena = 1408 * 1024 - ((model.ToBytes().Length + 15) / 16 * 16);
        var (code, report) = Plan(model, "--scope", "full", "--optim", optimizer, "--arena", arena.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using (report)
        {
            Assert.Equal(0, code);
            Assert.Equal(model.ParameterCount, report.RootElement.GetProperty("trainable").GetInt32());
            Assert.True(report.RootElement.GetProperty("fits").GetBoolean());
        }
    }

    /// <summary>TinyMyo at its reference sizes does not fit L2 even for head fine-tuning: its 14 MB of weights wait for L3 (issue 14, item 2).</summary>
    [Fact]
    public void Tinymyo_needs_more_than_l2_and_the_plan_says_by_how_much()
    {
        var model = ModelZoo.Build("tinymyo");
        Assert.Equal(68, model.Layers.Count);
        var (code, report) = Plan(model, "--scope", "last");
        using (report)
        {
            Assert.Equal(2, code);
            Assert.False(report.RootElement.GetProperty("fits").GetBoolean());
            Assert.Contains("short by", report.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.True(report.RootElement.GetProperty("weight_bytes").GetInt64() > 14_000_000);
        }
    }

    [Fact]
    public void Batch_norm_at_batch_8_is_refused_with_the_shortfall()
    {
        var (code, report) = Plan(ModelZoo.Build("mi-bminet"), "--norm", "batch", "--batch", "8");
        using (report)
        {
            Assert.Equal(2, code);
            Assert.False(report.RootElement.GetProperty("fits").GetBoolean());
            Assert.Contains("short by", report.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Mi_bminet_full_backpropagation_plans_under_0_45_MB()
    {
        var (code, report) = Plan(ModelZoo.Build("mi-bminet"), "--batch", "8", "--scope", "full", "--norm", "group");
        using (report)
        {
            Assert.Equal(0, code);
            Assert.InRange(report.RootElement.GetProperty("peak_bytes").GetInt64(), 1, 450_000);
            Assert.True(report.RootElement.GetProperty("naive_bytes").GetInt64() > 5_000_000);
        }
    }
}
