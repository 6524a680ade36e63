using BioTrain.Stream.Device.Protocol.Messages;

namespace BioTrain.Stream.Device.Client;

/// <summary>A batch opened on the device (BATCH_READY): its id, mode, size and the bytes of one sample.</summary>
public sealed record OpenBatch(uint Id, BatchMode Mode, int Count, uint SampleBytes);
