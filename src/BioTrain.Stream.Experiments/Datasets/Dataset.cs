namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>
/// A data set ready for the calibration experiment: windows per subject and session, the model that
/// classifies them, how it trains, and a plain statement of how the windows were made.
/// </summary>
public sealed record Dataset
{
    public required string Name { get; init; }

    public required IReadOnlyList<string> Classes { get; init; }

    public required double SampleRate { get; init; }

    public required ModelSpec Model { get; init; }

    public required IReadOnlyList<SubjectData> Subjects { get; init; }

    /// <summary>How the windows were made (filtering, resampling, windowing, normalisation), for the results page.</summary>
    public required string Preprocessing { get; init; }

    /// <summary>What a held-out unit is ("subject", or "run" for a within-subject set) and what a session is.</summary>
    public string HoldOutUnit { get; init; } = "subject";

    public string SessionMeaning { get; init; } = "session";

    /// <summary>Calibration sizes (trials per class) used when the command line gives none.</summary>
    public IReadOnlyList<int> DefaultCalibrationTrials { get; init; } = [1, 2];

    public TrainingRecipe Recipe { get; init; } = new();

    public int Channels => Model.Options.Channels;

    public int Samples => Model.Options.Samples;
}
