namespace BioTrain.Stream.Experiments.Results;

/// <summary>Aggregates runs into <see cref="SummaryRow"/>s.</summary>
public static class ResultSummary
{
    public static IReadOnlyList<SummaryRow> Summarise(IReadOnlyList<RunResult> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var none = runs.Where(r => r.Experiment == "day1" && r.Mode == "none").ToDictionary(r => (r.Seed, r.HeldOut), r => r.Accuracy);
        var last = runs.Where(r => r.Experiment == "day1" && r.Mode == "last").ToDictionary(r => (r.Seed, r.HeldOut, r.CalibrationTrials), r => r.Accuracy);
        return runs
            .GroupBy(r => (r.Experiment, r.Mode, r.CalibrationTrials))
            .OrderBy(g => g.Key.Experiment == "day1" ? 0 : 1)
            .ThenBy(g => g.Key.CalibrationTrials)
            .ThenBy(g => ModeOrder(g.Key.Mode))
            .Select(g =>
            {
                var values = g.Select(r => r.Accuracy).ToList();
                var overNone = g.Key.Experiment == "day1" && g.Key.Mode != "none"
                    ? g.Where(r => none.ContainsKey((r.Seed, r.HeldOut))).Select(r => r.Accuracy - none[(r.Seed, r.HeldOut)]).ToList()
                    : [];
                var overLast = g.Key.Experiment == "day1" && g.Key.Mode is not ("none" or "last")
                    ? g.Where(r => last.ContainsKey((r.Seed, r.HeldOut, r.CalibrationTrials))).Select(r => r.Accuracy - last[(r.Seed, r.HeldOut, r.CalibrationTrials)]).ToList()
                    : [];
                return new SummaryRow(g.Key.Experiment, g.Key.Mode, g.Key.CalibrationTrials, values.Average(), Std(values), values.Min(), values.Max(), values.Count,
                    overNone.Count > 0 ? overNone.Average() : null, overNone.Count > 0 ? Std(overNone) : null,
                    overLast.Count > 0 ? overLast.Average() : null, overLast.Count > 0 ? Std(overLast) : null);
            })
            .ToList();
    }

    /// <summary>Sample standard deviation (n - 1); 0 for a single value.</summary>
    public static double Std(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count < 2)
        {
            return 0;
        }

        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }

    private static int ModeOrder(string mode) => mode switch
    {
        "none" or "pretrained" => 0,
        "session1" => 1,
        "last" or "session1+last" => 2,
        "bias" or "session1+bias" => 3,
        "scratch" => 5,
        _ => 4,
    };
}
