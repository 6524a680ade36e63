namespace BioTrain.Stream.Daemon.Sessions;

/// <summary>States as a person says them, for logs, <c>biotrain status</c> and the status page (the API keeps kebab-case).</summary>
public static class SessionStateText
{
    public static string Words(this SessionState state) => state switch
    {
        SessionState.WaitingForStreams => "waiting for streams",
        SessionState.Calibrating => "calibrating",
        SessionState.Training => "training",
        SessionState.Running => "running",
        SessionState.Adapting => "adapting",
        SessionState.Failed => "failed",
        SessionState.Stopped => "stopped",
        _ => state.ToString(),
    };
}

/// <summary>A state that logs as words (formatted only when the message is written).</summary>
public readonly record struct StateWords(SessionState State)
{
    public override string ToString() => State.Words();
}
