using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace BioTrain.Stream.Benchmarks;

/// <summary>One trained layer's gradients as the engine computed them (blob order).</summary>
internal sealed record EngineLayerGrads(int Index, string Kind, double[] Weight, double[] Bias);

/// <summary>The engine's outputs and gradients for one sample.</summary>
internal sealed record EngineGrads(double Loss, double[] Probabilities, IReadOnlyList<EngineLayerGrads> Layers);

/// <summary>
/// The firmware's training engine, native build (bt-model-tool): gradients of one sample and
/// training throughput. Found in $BIOTRAIN_FIRMWARE_DIR or build/firmware/bin.
/// </summary>
internal static class EngineTool
{
    /// <summary>bt-model-tool, or bt-model-tool-f64 (the same engine built with bt_real = double).</summary>
    public static string Find(bool doublePrecision)
    {
        var name = doublePrecision ? "bt-model-tool-f64" : "bt-model-tool";
        string[] dirs = [Environment.GetEnvironmentVariable("BIOTRAIN_FIRMWARE_DIR") ?? string.Empty, RepoPaths.FirmwareBin];
        return dirs.Where(d => d.Length > 0).Select(d => System.IO.Path.Combine(d, name)).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException($"{name} not found: build the firmware (cmake -S firmware-gap9 -B build/firmware && cmake --build build/firmware)");
    }

    public static EngineGrads Grads(byte[] blob, float[] input, int label, bool doublePrecision)
    {
        using var files = new TempFiles();
        var model = files.Write(".btm", blob);
        var x = files.Write(".f32", [.. input.SelectMany(BitConverter.GetBytes)]);
        using var doc = JsonDocument.Parse(Run(Find(doublePrecision), "grads", model, "--input", x, "--label", label.ToString(CultureInfo.InvariantCulture)));
        var r = doc.RootElement;
        static double[] Values(JsonElement e) => [.. e.EnumerateArray().Select(v => v.GetDouble())];
        return new EngineGrads(
            r.GetProperty("loss").GetDouble(),
            Values(r.GetProperty("probabilities")),
            [.. r.GetProperty("layers").EnumerateArray().Select(l => new EngineLayerGrads(
                l.GetProperty("index").GetInt32(), l.GetProperty("kind").GetString()!, Values(l.GetProperty("weight")), Values(l.GetProperty("bias"))))]);
    }

    /// <summary>Training samples per second of the native engine (batch, SGD with momentum, group norm), one thread.</summary>
    public static double SamplesPerSecond(byte[] blob, int batch, int samples)
    {
        using var files = new TempFiles();
        var model = files.Write(".btm", blob);
        using var doc = JsonDocument.Parse(Run(Find(false), "bench", model, "--batch", batch.ToString(CultureInfo.InvariantCulture), "--samples", samples.ToString(CultureInfo.InvariantCulture), "--json"));
        return doc.RootElement.GetProperty("samples_per_s").GetDouble();
    }

    private static string Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        var output = stdout.Result;
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{System.IO.Path.GetFileName(tool)} {args[0]} failed ({p.ExitCode}): {stderr.Trim()}");
        }

        return output;
    }

    private sealed class TempFiles : IDisposable
    {
        private readonly List<string> _paths = [];

        public string Write(string suffix, byte[] bytes)
        {
            var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"bt-torch-{Environment.ProcessId}-{Guid.NewGuid():N}{suffix}");
            File.WriteAllBytes(path, bytes);
            _paths.Add(path);
            return path;
        }

        public void Dispose()
        {
            foreach (var p in _paths)
            {
                File.Delete(p);
            }
        }
    }
}
