namespace BioTrain.Stream.Experiments;

/// <summary>
/// One measured accuracy: one seed, one held-out unit, one mode and calibration size. <see cref="Experiment"/>
/// is <c>day1</c> (new-subject calibration) or <c>drift</c> (session 2 after calibrating on session 1).
/// </summary>
public sealed record RunResult(
    string Dataset,
    string Experiment,
    int Seed,
    string HeldOut,
    string Mode,
    int CalibrationTrials,
    int CalibrationWindows,
    int TestWindows,
    double Accuracy);
