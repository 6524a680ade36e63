using System.Text.Json;

namespace BioTrain.Stream.Device.Profiling;

/// <summary>Instructions of one pass, as the virtual GAP9 counted them.</summary>
/// <param name="Instructions">All harts together.</param>
/// <param name="Critical">The busiest hart region by region: the serial part plus the largest share of every parallel region.</param>
/// <param name="PerHart">Each hart's instructions (hart 0 includes the serial part).</param>
public sealed record PassCounts(long Instructions, long Critical, IReadOnlyList<long> PerHart)
{
    /// <summary>Mean over max of the harts' instructions: 1 when the work is split evenly.</summary>
    public double Balance => PerHart.Count == 0 || PerHart.Max() == 0 ? 1 : PerHart.Average() / PerHart.Max();

    internal static PassCounts Parse(JsonElement e) => new(
        e.GetProperty("instructions").GetInt64(),
        e.GetProperty("critical").GetInt64(),
        [.. e.GetProperty("per_hart").EnumerateArray().Select(h => h.GetInt64())]);
}

/// <summary>One layer's forward and backward pass.</summary>
public sealed record LayerProfile(int Index, string Kind, long Macs, long TrainMacs, PassCounts Forward, PassCounts Backward)
{
    /// <summary>Instructions of both passes per MAC of the training sample (0 for layers without MACs).</summary>
    public double TrainInstructionsPerMac => TrainMacs == 0 ? 0 : (double)(Forward.Instructions + Backward.Instructions) / TrainMacs;
}

/// <summary>
/// A model's training sample on the virtual GAP9 (bt-profile.elf): instructions per layer, pass
/// and hart. Instructions are RV32IMAFC instructions retired under QEMU, not GAP9 cycles.
/// </summary>
public sealed record ModelProfile(
    string Model,
    int Harts,
    int Batch,
    long MacsForward,
    long MacsTrain,
    long Trainable,
    long PeakBytes,
    PassCounts TrainSample,
    PassCounts Step,
    PassCounts Predict,
    IReadOnlyList<LayerProfile> Layers)
{
    public double ForwardInstructionsPerMac => MacsForward == 0 ? 0 : (double)Predict.Instructions / MacsForward;

    public double TrainInstructionsPerMac => MacsTrain == 0 ? 0 : (double)TrainSample.Instructions / MacsTrain;

    /// <summary>E1 for a training sample, its share of the optimiser step included (SPEC.md 8: a step costs the trainable parameters in MACs).</summary>
    public Diagnostics.Gap9Estimate TrainE1 => Diagnostics.Gap9Estimate.FromMacs(MacsTrain + ((double)Trainable / Batch));

    /// <summary>E2 for a training sample, its share of the optimiser step included.</summary>
    public Diagnostics.Gap9Estimate TrainE2 => Diagnostics.Gap9Estimate.FromCriticalInstructions(TrainSample.Critical + ((double)Step.Critical / Batch));

    /// <summary>Parses the JSON bt-profile.elf prints; a firmware-side refusal is a <see cref="DeviceStartException"/>.</summary>
    public static ModelProfile Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        if (r.TryGetProperty("error", out var error))
        {
            throw new DeviceStartException($"the virtual GAP9 could not profile the model: {error.GetString()}");
        }

        return new ModelProfile(
            r.GetProperty("model").GetString() ?? string.Empty,
            r.GetProperty("harts").GetInt32(),
            r.GetProperty("batch").GetInt32(),
            r.GetProperty("macs_forward").GetInt64(),
            r.GetProperty("macs_train").GetInt64(),
            r.GetProperty("trainable").GetInt64(),
            r.GetProperty("peak_bytes").GetInt64(),
            PassCounts.Parse(r.GetProperty("train_sample")),
            PassCounts.Parse(r.GetProperty("step")),
            PassCounts.Parse(r.GetProperty("predict")),
            [.. r.GetProperty("layers").EnumerateArray().Select(l => new LayerProfile(
                l.GetProperty("index").GetInt32(),
                l.GetProperty("kind").GetString() ?? string.Empty,
                l.GetProperty("macs").GetInt64(),
                l.GetProperty("train_macs").GetInt64(),
                PassCounts.Parse(l.GetProperty("forward")),
                PassCounts.Parse(l.GetProperty("backward"))))]);
    }
}
