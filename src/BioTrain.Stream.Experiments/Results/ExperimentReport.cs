using BioTrain.Stream.Experiments.Datasets;

namespace BioTrain.Stream.Experiments.Results;

/// <summary>Everything one run of the experiment publishes: what was run, how, and what came out.</summary>
public sealed record ExperimentReport
{
    public required string Dataset { get; init; }

    public required string Command { get; init; }

    public required string Model { get; init; }

    public required string Preprocessing { get; init; }

    public required string HoldOutUnit { get; init; }

    public required string SessionMeaning { get; init; }

    public required int HeldOutUnits { get; init; }

    public required IReadOnlyList<int> Seeds { get; init; }

    public required string Device { get; init; }

    public required TrainingRecipe Recipe { get; init; }

    public required int DriftTrials { get; init; }

    public required double ChanceLevel { get; init; }

    public required double ElapsedSeconds { get; init; }

    public required IReadOnlyList<SummaryRow> Summary { get; init; }

    public required IReadOnlyList<RunResult> Runs { get; init; }
}
