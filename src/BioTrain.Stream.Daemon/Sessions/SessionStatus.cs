namespace BioTrain.Stream.Daemon.Sessions;

/// <summary>What the control API and <c>biotrain status</c> show of a session.</summary>
public sealed record SessionStatus(
    string Name,
    string Subject,
    SessionState State,
    string Device,
    string? InputStream,
    IReadOnlyDictionary<string, int> CalibrationTrialsPerClass,
    int CalibrationTarget,
    bool Calibrated,
    double? AccuracyBeforeCalibration,
    double? CalibrationAccuracy,
    bool RestoredWeights,
    int AdaptationRounds,
    long Predictions,
    long WindowsDropped,
    PipelineFigures Pipeline,
    string? LastError,
    bool DeviceUp = false,
    string? DeviceProblem = null);

/// <summary>The pipeline's counts, for status and debugging.</summary>
public sealed record PipelineFigures(long Samples, long Gaps, long MissingSamples, long Windows, long Markers, long MarkersIgnored, long MarkersLost, long Epochs);
