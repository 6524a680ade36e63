namespace BioTrain.Stream.Device.Client;

/// <summary>One input window (C x H x W float32 values, as the model's input) and its class.</summary>
public readonly record struct LabelledSample(ReadOnlyMemory<float> Values, int Label);
