namespace BioTrain.Stream.Daemon.Sessions;

/// <summary>Where a session is in its life (issue 7): streams, calibration, training, running, adapting.</summary>
public enum SessionState
{
    WaitingForStreams,
    Calibrating,
    Training,
    Running,
    Adapting,
    Failed,
    Stopped,
}
