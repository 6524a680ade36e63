namespace BioTrain.Stream.Experiments.Drift;

/// <summary>What one run of the drift protocol covers.</summary>
public sealed record DriftOptions
{
    /// <summary>Repetitions per class of each later day to adapt on (K).</summary>
    public IReadOnlyList<int> Trials { get; init; } = [1, 2, 3];

    public IReadOnlyList<int> Seeds { get; init; } = [1, 2, 3];

    /// <summary>Hold out at most this many users (0: all), for quick runs.</summary>
    public int MaxUsers { get; init; }

    /// <summary>Pretraining epochs on the user's own first day (a few hundred windows need more passes than the others' thousands).</summary>
    public int DayOneEpochs { get; init; } = 30;

    /// <summary>Also run the cumulative variant (adapt day after day, weights carried forward).</summary>
    public bool Cumulative { get; init; } = true;
}
