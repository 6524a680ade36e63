namespace BioTrain.Stream.Experiments.Drift;

/// <summary>
/// One measured accuracy of the drift protocol: a user's later day tested after adapting (or not) on its
/// first <see cref="Trials"/> repetitions per class. <see cref="Source"/> is what the model was pretrained on
/// (<c>others</c>: every day of the other users; <c>day1</c>: the user's own first day); <see cref="Variant"/>
/// is <c>independent</c> (each day adapts from the pretrained weights) or <c>cumulative</c> (each day adapts
/// from the previous day's result, as a deployed device does).
/// </summary>
public sealed record DriftRun(
    string Source,
    string Variant,
    int Seed,
    string User,
    int Day,
    string Mode,
    int Trials,
    int CalibrationWindows,
    int TestWindows,
    double Accuracy);
