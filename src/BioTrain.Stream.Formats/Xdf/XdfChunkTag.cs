namespace BioTrain.Stream.Formats.Xdf;

/// <summary>The chunk tags of XDF 1.0.</summary>
public enum XdfChunkTag : ushort
{
    FileHeader = 1,
    StreamHeader = 2,
    Samples = 3,
    ClockOffset = 4,
    Boundary = 5,
    StreamFooter = 6,
}
