namespace BioTrain.Stream.Device.Client;

/// <summary>The device's answer for one window: class probabilities, arg-max and instructions spent (0 without counters).</summary>
public sealed record Prediction(IReadOnlyList<float> Probabilities, int PredictedClass, ulong Instructions);
