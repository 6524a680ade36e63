namespace BioTrain.Stream.Experiments.Results;

/// <summary>
/// Accuracy of one (experiment, mode, calibration size) over all held-out units and seeds: mean, sample
/// standard deviation, extremes and count. <see cref="GainOverNone"/> and <see cref="GainOverLast"/> are the
/// mean paired differences (same seed, unit and size), in accuracy points, with their standard deviations.
/// </summary>
public sealed record SummaryRow(
    string Experiment,
    string Mode,
    int CalibrationTrials,
    double Mean,
    double Std,
    double Min,
    double Max,
    int Count,
    double? GainOverNone,
    double? GainOverNoneStd,
    double? GainOverLast,
    double? GainOverLastStd);
