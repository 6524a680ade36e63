namespace BioTrain.Stream.Formats.Xdf;

/// <summary>How <see cref="XdfWriter"/> lays out a file.</summary>
public sealed record XdfWriterOptions
{
    /// <summary>
    /// Write a 0 timestamp byte (deduced) for a sample whose stamp is exactly the previous one plus
    /// 1/nominal_srate, as LabRecorder does. The first sample of every chunk always has its stamp written.
    /// </summary>
    public bool DeduceTimestamps { get; init; } = true;

    /// <summary>Longer sample spans are split into chunks of at most this many samples.</summary>
    public int MaxSamplesPerChunk { get; init; } = 4096;

    /// <summary>The file header's <c>datetime</c>; none is written when null (reproducible files).</summary>
    public DateTimeOffset? Datetime { get; init; }

    /// <summary>Flush to the OS after every chunk, so a killed process loses nothing written so far.</summary>
    public bool FlushEveryChunk { get; init; }

    public static XdfWriterOptions Default { get; } = new();
}
