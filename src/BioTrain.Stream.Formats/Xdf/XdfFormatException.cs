namespace BioTrain.Stream.Formats.Xdf;

/// <summary>The input is not XDF at all (wrong magic, not gzip either). Damage inside an XDF file is reported as <see cref="XdfProblem"/> instead.</summary>
public sealed class XdfFormatException : FormatException
{
    public XdfFormatException()
    {
    }

    public XdfFormatException(string message) : base(message)
    {
    }

    public XdfFormatException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public XdfFormatException(string message, long offset) : base($"{message} (at byte {offset})")
    {
        Offset = offset;
    }

    public long Offset { get; }
}
