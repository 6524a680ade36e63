namespace BioTrain.Stream.Lsl;

/// <summary>An operation with a timeout did not complete in time.</summary>
public class LslTimeoutException : LslException
{
    public LslTimeoutException()
    {
    }

    public LslTimeoutException(string message)
        : base(message)
    {
    }

    public LslTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
