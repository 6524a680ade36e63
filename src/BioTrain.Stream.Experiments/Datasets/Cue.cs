namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>A cued trial: when the cue came (seconds on the recording's time base) and its class.</summary>
public sealed record Cue(double Time, int Label);
