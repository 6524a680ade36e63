using BioTrain.Stream.Device.Client;

namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>
/// One labelled window in the model's input layout (channel-major, C x T float32). <paramref name="Trial"/>
/// names the cued trial (or block) it was cut from: calibration and test sets are split by trial, never by
/// window, so overlapping crops of one trial never land on both sides.
/// </summary>
public sealed record Epoch(ReadOnlyMemory<float> Values, int Label, int Trial)
{
    /// <summary>What the device trains and evaluates on.</summary>
    public LabelledSample Sample => new(Values, Label);

    public static List<LabelledSample> Samples(IEnumerable<Epoch> epochs) => [.. epochs.Select(e => e.Sample)];
}
