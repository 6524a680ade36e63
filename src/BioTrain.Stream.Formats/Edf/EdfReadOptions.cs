namespace BioTrain.Stream.Formats.Edf;

/// <summary>How forgiving <see cref="EdfReader"/> is.</summary>
public sealed record EdfReadOptions
{
    /// <summary>
    /// Read the complete records of a file that ends early (noted in <see cref="EdfRecording.Warnings"/>)
    /// instead of throwing <see cref="EdfTruncatedException"/>.
    /// </summary>
    public bool AllowTruncatedRecords { get; init; }

    public static EdfReadOptions Default { get; } = new();
}
