namespace BioTrain.Stream.Scenarios.Soak;

/// <summary>The soak could not run or finish: the daemon did not start, exited, or stopped answering. Not a verdict.</summary>
public sealed class SoakException : Exception
{
    public SoakException()
    {
    }

    public SoakException(string message)
        : base(message)
    {
    }

    public SoakException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
