namespace BioTrain.Stream.Device.Client;

/// <summary>The model's parameter section as the device holds it (float32 LE), with its CRC-32C.</summary>
public sealed record WeightsSnapshot(ReadOnlyMemory<byte> Bytes, uint Crc);
