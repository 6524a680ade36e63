namespace BioTrain.Stream.Device.Protocol.Messages;

/// <summary>A memory region a device reports, e.g. GAP9's L2 (1.5 MiB) or L1 (128 KiB).</summary>
public sealed record MemoryRegion(string Name, uint Base, uint Size);
