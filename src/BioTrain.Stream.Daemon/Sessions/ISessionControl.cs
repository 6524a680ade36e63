namespace BioTrain.Stream.Daemon.Sessions;

/// <summary>What the control API can ask of a running session.</summary>
public interface ISessionControl
{
    string Name { get; }

    SessionStatus Status { get; }

    /// <summary>Starts collecting labelled epochs for calibration (from now on, discarding none already collected).</summary>
    void StartCalibration();

    /// <summary>Ends collection and trains on what was collected.</summary>
    void StopCalibration();

    /// <summary>Forgets the subject's adapted weights and calibrates again.</summary>
    Task ResetSubjectAsync(CancellationToken cancellationToken);
}
