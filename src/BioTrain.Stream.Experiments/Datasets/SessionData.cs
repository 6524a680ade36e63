namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>One recording session (or series, or run) of one subject, already windowed.</summary>
public sealed record SessionData(string Name, IReadOnlyList<Epoch> Epochs)
{
    /// <summary>Trial ids of each class, in recording order.</summary>
    public IReadOnlyDictionary<int, IReadOnlyList<int>> TrialsByClass() =>
        Epochs.GroupBy(e => e.Label).ToDictionary(g => g.Key, g => (IReadOnlyList<int>)g.Select(e => e.Trial).Distinct().Order().ToList());
}
