namespace BioTrain.Stream.Formats.Conversion;

/// <summary>How an EDF/BDF recording becomes XDF streams.</summary>
public sealed record EdfToXdfOptions
{
    /// <summary>Stream name; the input file's name when null.</summary>
    public string? StreamName { get; init; }

    /// <summary>Content type of the signal streams when the EDF+ labels do not name one type for all channels.</summary>
    public string StreamType { get; init; } = "EEG";

    /// <summary>Timestamp of the recording's start; sample times are this plus their offset in seconds.</summary>
    public double StartTimestamp { get; init; }

    /// <summary>Data records per Samples chunk (and a Boundary chunk after each group).</summary>
    public int RecordsPerChunk { get; init; } = 10;
}
