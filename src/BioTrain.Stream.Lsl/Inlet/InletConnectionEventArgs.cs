namespace BioTrain.Stream.Lsl.Inlet;

/// <summary>Why an inlet's connection was lost, or that it is back.</summary>
public sealed class InletConnectionEventArgs : EventArgs
{
    public InletConnectionEventArgs(string reason, Exception? error = null)
    {
        Reason = reason;
        Error = error;
    }

    public string Reason { get; }

    public Exception? Error { get; }
}
