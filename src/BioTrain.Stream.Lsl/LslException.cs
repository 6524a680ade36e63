namespace BioTrain.Stream.Lsl;

/// <summary>Base of every error raised by this library.</summary>
public class LslException : Exception
{
    public LslException()
    {
    }

    public LslException(string message)
        : base(message)
    {
    }

    public LslException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
