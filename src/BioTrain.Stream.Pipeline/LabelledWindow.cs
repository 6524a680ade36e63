namespace BioTrain.Stream.Pipeline;

/// <summary>A window with its class, and the marker it was cut around (an epoch). The window is borrowed (see <see cref="SignalWindow"/>).</summary>
public readonly record struct LabelledWindow(SignalWindow Window, int Label, Marker Marker);
