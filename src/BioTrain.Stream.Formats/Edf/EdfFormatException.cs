namespace BioTrain.Stream.Formats.Edf;

/// <summary>An EDF/BDF file that cannot be read as one: names the header field (or data part) and its byte offset.</summary>
public class EdfFormatException : FormatException
{
    public EdfFormatException()
    {
    }

    public EdfFormatException(string message) : base(message)
    {
    }

    public EdfFormatException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public EdfFormatException(string message, long offset, string field)
        : base($"{message} (field '{field}' at byte {offset})")
    {
        Offset = offset;
        Field = field;
    }

    /// <summary>Byte offset of the field or record concerned.</summary>
    public long Offset { get; }

    /// <summary>The header field (e.g. <c>number of data records</c>, <c>signal 3 digital minimum</c>) or data part.</summary>
    public string Field { get; } = "";
}

/// <summary>The file ends before the data records its header announces.</summary>
public sealed class EdfTruncatedException : EdfFormatException
{
    public EdfTruncatedException()
    {
    }

    public EdfTruncatedException(string message) : base(message)
    {
    }

    public EdfTruncatedException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public EdfTruncatedException(string message, long offset, string field, int completeRecords)
        : base(message, offset, field)
    {
        CompleteRecords = completeRecords;
    }

    /// <summary>How many whole data records the file does hold.</summary>
    public int CompleteRecords { get; }
}
