namespace BioTrain.Stream.Lsl;

/// <summary>The value type of every channel of a stream. The numbers are liblsl's enum values.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "The names are LSL's channel_format names.")]
public enum ChannelFormat
{
    Undefined = 0,
    Float32 = 1,
    Double64 = 2,
    String = 3,
    Int32 = 4,
    Int16 = 5,
    Int8 = 6,
    Int64 = 7,
}
