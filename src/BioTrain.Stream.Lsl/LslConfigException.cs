namespace BioTrain.Stream.Lsl;

/// <summary>An lsl_api.cfg file or an <see cref="Config.LslConfig"/> value is invalid.</summary>
public class LslConfigException : LslException
{
    public LslConfigException()
    {
    }

    public LslConfigException(string message)
        : base(message)
    {
    }

    public LslConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
