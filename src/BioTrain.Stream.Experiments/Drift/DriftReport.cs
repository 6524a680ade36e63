using BioTrain.Stream.Experiments.Datasets;

namespace BioTrain.Stream.Experiments.Drift;

/// <summary>Everything one run of the drift protocol publishes: what was run, how, and every measured accuracy.</summary>
public sealed record DriftReport
{
    public required string Dataset { get; init; }

    public required string Command { get; init; }

    public required string Model { get; init; }

    public required string Preprocessing { get; init; }

    public required IReadOnlyList<int> Seeds { get; init; }

    public required IReadOnlyList<int> Trials { get; init; }

    public required TrainingRecipe Recipe { get; init; }

    public required int DayOneEpochs { get; init; }

    public required double ChanceLevel { get; init; }

    public required double ElapsedSeconds { get; init; }

    public required IReadOnlyList<DriftRun> Runs { get; init; }
}

/// <summary>
/// One cell of the drift tables: accuracy of (source, variant, day, mode, K) over users x seeds, and the
/// paired gains of the mode over no adaptation and over last-layer adaptation (same user, seed, day, K).
/// </summary>
public sealed record DriftCell(double Mean, double Std, int Count, double? OverNone, double? OverNoneStd, double? OverLast, double? OverLastStd);
