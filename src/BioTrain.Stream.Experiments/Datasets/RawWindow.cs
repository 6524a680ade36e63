namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>A window before normalisation: channel-major C x T values in the recording's units.</summary>
public sealed record RawWindow(float[] Values, int Label, int Trial);
