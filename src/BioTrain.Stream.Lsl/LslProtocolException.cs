namespace BioTrain.Stream.Lsl;

/// <summary>A peer sent something that is not valid LSL, or is beyond this library's limits.</summary>
public class LslProtocolException : LslException
{
    public LslProtocolException()
    {
    }

    public LslProtocolException(string message)
        : base(message)
    {
    }

    public LslProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public LslProtocolException(LslProtocolError reason, string message)
        : base(message)
    {
        Reason = reason;
    }

    public LslProtocolException(LslProtocolError reason, string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = reason;
    }

    public LslProtocolError Reason { get; }

    public override string Message => $"{Reason}: {base.Message}";
}
