namespace BioTrain.Stream.Daemon.Sessions;

/// <summary>What the control API and <c>biotrain status</c> show of a session.</summary>
public sealed record SessionStatus(
    string Name,
    string Subject,
    SessionState State,
    string Device,
    string? InputStream,
    IReadOnlyDictionary<string, int> CalibrationEpochsPerClass,
    int CalibrationTarget,
    double? CalibrationAccuracy,
    bool RestoredWeights,
    int AdaptationRounds,
    long Predictions,
    long WindowsDropped,
    string? LastError);
