namespace BioTrain.Stream.Device.Protocol.Messages;

/// <summary>CAPABILITIES feature bits (protocol/SPEC.md 3.2).</summary>
[Flags]
public enum DeviceFeatures : byte
{
    None = 0,
    InstructionCounters = 0x01,
    CycleCounters = 0x02,
    FpuF32 = 0x04,
    Training = 0x08,
}
