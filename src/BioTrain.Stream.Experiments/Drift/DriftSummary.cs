using BioTrain.Stream.Experiments.Results;

namespace BioTrain.Stream.Experiments.Drift;

/// <summary>Aggregates of the drift runs: per day, over days 2-5, and per user.</summary>
public static class DriftSummary
{
    /// <summary>
    /// The cell of one source, variant, mode and K over the given days, averaging first over days per (user,
    /// seed) so each user and seed counts once; gains are paired the same way. Cumulative runs are paired with
    /// the independent no-adaptation runs (the same test windows).
    /// </summary>
    public static DriftCell? Cell(IReadOnlyList<DriftRun> runs, string source, string variant, string mode, int k, IReadOnlyCollection<int> days)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(days);
        var selected = runs.Where(r => r.Source == source && r.Variant == variant && r.Mode == mode && r.Trials == k && days.Contains(r.Day)).ToList();
        if (selected.Count == 0)
        {
            return null;
        }

        var none = Index(runs, source, "independent", "none", k);
        var last = Index(runs, source, variant, "last", k);
        var perUnit = selected.GroupBy(r => (r.User, r.Seed)).Select(g => (
            Accuracy: g.Average(r => r.Accuracy),
            OverNone: Paired(g, none),
            OverLast: Paired(g, last))).ToList();
        var accuracies = perUnit.Select(u => u.Accuracy).ToList();
        var overNone = perUnit.Where(u => u.OverNone.HasValue).Select(u => u.OverNone!.Value).ToList();
        var overLast = perUnit.Where(u => u.OverLast.HasValue).Select(u => u.OverLast!.Value).ToList();
        return new DriftCell(accuracies.Average(), ResultSummary.Std(accuracies), accuracies.Count,
            mode == "none" || overNone.Count == 0 ? null : overNone.Average(), mode == "none" || overNone.Count == 0 ? null : ResultSummary.Std(overNone),
            mode is "none" or "last" || overLast.Count == 0 ? null : overLast.Average(), mode is "none" or "last" || overLast.Count == 0 ? null : ResultSummary.Std(overLast));
    }

    /// <summary>Per user, over seeds and the given days: the mean accuracy of a mode (for the per-user spread).</summary>
    public static double? UserMean(IReadOnlyList<DriftRun> runs, string user, string source, string variant, string mode, int k, IReadOnlyCollection<int> days)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(days);
        var selected = runs.Where(r => r.User == user && r.Source == source && r.Variant == variant && r.Mode == mode && r.Trials == k && days.Contains(r.Day)).ToList();
        return selected.Count == 0 ? null : selected.Average(r => r.Accuracy);
    }

    private static Dictionary<(string, int, int), double> Index(IReadOnlyList<DriftRun> runs, string source, string variant, string mode, int k) =>
        runs.Where(r => r.Source == source && r.Variant == variant && r.Mode == mode && r.Trials == k).ToDictionary(r => (r.User, r.Seed, r.Day), r => r.Accuracy);

    private static double? Paired(IEnumerable<DriftRun> runs, Dictionary<(string, int, int), double> reference)
    {
        var differences = runs.Where(r => reference.ContainsKey((r.User, r.Seed, r.Day))).Select(r => r.Accuracy - reference[(r.User, r.Seed, r.Day)]).ToList();
        return differences.Count == 0 ? null : differences.Average();
    }
}
