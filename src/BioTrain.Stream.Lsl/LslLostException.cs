namespace BioTrain.Stream.Lsl;

/// <summary>The stream is gone and cannot be recovered (recovery is off or the source_id is empty).</summary>
public class LslLostException : LslException
{
    public LslLostException()
    {
    }

    public LslLostException(string message)
        : base(message)
    {
    }

    public LslLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
