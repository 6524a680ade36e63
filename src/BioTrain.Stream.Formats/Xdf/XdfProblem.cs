namespace BioTrain.Stream.Formats.Xdf;

/// <summary>What kind of damage or oddity the reader met.</summary>
public enum XdfProblemKind
{
    /// <summary>The file does not start with a FileHeader chunk.</summary>
    MissingFileHeader,

    /// <summary>The file ends inside a chunk (a recording that was cut off); complete samples were kept.</summary>
    TruncatedChunk,

    /// <summary>A chunk's framing or content was invalid; the reader skipped to the next Boundary chunk or the chunk's end.</summary>
    CorruptChunk,

    /// <summary>A chunk tag this reader does not know; it was skipped.</summary>
    UnknownChunkTag,

    /// <summary>Samples, offsets or a footer for a stream id that has no (valid) StreamHeader; skipped.</summary>
    NoStreamHeader,

    /// <summary>A StreamHeader whose XML is not usable; that stream's chunks are skipped.</summary>
    InvalidStreamHeader,

    /// <summary>A second StreamHeader for the same id; the first one is kept.</summary>
    DuplicateStreamHeader,

    /// <summary>A StreamFooter whose XML is not well-formed.</summary>
    InvalidStreamFooter,

    /// <summary>A stream has no StreamFooter (the recording was not closed properly).</summary>
    MissingStreamFooter,

    /// <summary>The footer's sample_count differs from the samples found.</summary>
    FooterSampleCountMismatch,

    /// <summary>A chunk has bytes left after its declared content; they were ignored.</summary>
    TrailingBytesInChunk,
}

/// <summary>One problem found while reading, with where it was.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Offset">Byte offset in the (decompressed) file of the chunk concerned.</param>
/// <param name="StreamId">The stream concerned, when there is one.</param>
/// <param name="Message">A sentence for people.</param>
public sealed record XdfProblem(XdfProblemKind Kind, long Offset, uint? StreamId, string Message)
{
    public override string ToString() =>
        StreamId is { } id ? $"{Kind} at byte {Offset} (stream {id}): {Message}" : $"{Kind} at byte {Offset}: {Message}";
}
