using System.Globalization;
using System.Text;
using BioTrain.Stream.Experiments.Results;
using static BioTrain.Stream.Experiments.Results.ReportText;

namespace BioTrain.Stream.Experiments.Drift;

/// <summary>Writes a drift report as results.md, summary.csv, runs.csv, results.json and accuracy.png in one folder.</summary>
public static class DriftResultWriter
{
    public static readonly IReadOnlyList<string> Sources = ["others", "day1"];
    public static readonly IReadOnlyList<string> Variants = ["independent", "cumulative"];
    public static readonly IReadOnlyList<string> Modes = ["none", "last", "full"];

    /// <summary>Reads a report written by <see cref="WriteAsync"/> back from its results.json.</summary>
    public static Task<DriftReport> ReadAsync(string directory, CancellationToken cancellationToken) => ReportJson.ReadAsync<DriftReport>(directory, cancellationToken);

    public static Task<IReadOnlyList<string>> WriteAsync(DriftReport report, string directory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        return WriteFolderAsync(
            directory,
            [("results.md", Markdown(report)), ("summary.csv", SummaryCsv(report)), ("runs.csv", RunsCsv(report.Runs)), ("results.json", ReportJson.Write(report))],
            "accuracy.png",
            path => DriftPlot.Save(report, path),
            cancellationToken);
    }

    /// <summary>The later days of the report (2..), and K = 2 where it was run (else the first K): the headline setting.</summary>
    public static (int[] LaterDays, int K) Headline(DriftReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var days = report.Runs.Select(r => r.Day).Where(d => d >= 2).Distinct().Order().ToArray();
        return (days, report.Trials.Contains(2) ? 2 : report.Trials[0]);
    }

    public static string Markdown(DriftReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var (later, k) = Headline(report);
        var runs = report.Runs;
        var users = runs.Select(r => r.User).Distinct().ToList();
        var span = later.Length == 0 ? "-" : $"{later[0]}-{later[^1]}";
        var r = report.Recipe;
        var b = new StringBuilder();
        b.Append(Inv($"### {report.Dataset}: drift across days\n\n```sh\n{report.Command}\n```\n\n"));
        b.Append(Inv($"- Model: {report.Model}; {users.Count} users x seeds {string.Join(",", report.Seeds)}; native virtual device.\n"));
        b.Append(Inv($"- Preprocessing: {report.Preprocessing}\n"));
        b.Append(Inv($"- Training: {r.Optimizer}, {r.NormMode} norm ({r.CalibrationNormMode ?? r.NormMode} in adaptation), batch {r.BatchSize}; pretraining on the other users {r.PretrainEpochs} epochs, "));
        b.Append(Inv($"on the user's day 1 {report.DayOneEpochs} epochs, at lr {r.PretrainLearningRate:G3}; adaptation {r.CalibrationSteps} steps at lr {r.CalibrationLearningRate:G3} (full), {r.LastLayerLearningRate:G3} (last layer).\n"));
        b.Append(Inv($"- Adaptation on the first K repetitions per class of a day (rest included as a class), test on the rest of that day; chance {100 * report.ChanceLevel:F1} %; run time {report.ElapsedSeconds / 60:F1} min.\n\n"));

        b.Append(Inv($"Days {span} averaged, K = {k} repetitions per class: accuracy in %, mean ± sd over users x seeds (each the mean of its days); gains are paired differences in points. "));
        b.Append("Cumulative: each day adapts from the previous day's adapted weights; its `none` is the pretrained model.\n\n");
        b.Append("| pretrained on | variant | none | last | full | full − none | full − last |\n|---|---|---:|---:|---:|---:|---:|\n");
        foreach (var source in Sources)
        {
            foreach (var variant in Variants)
            {
                var none = DriftSummary.Cell(runs, source, "independent", "none", k, later);
                var last = DriftSummary.Cell(runs, source, variant, "last", k, later);
                var full = DriftSummary.Cell(runs, source, variant, "full", k, later);
                if (full is null && last is null)
                {
                    continue;
                }

                b.Append(Inv($"| {SourceName(source)} | {variant} | {Cell(none)} | {Cell(last)} | {Cell(full)} | {Gain(full?.OverNone, full?.OverNoneStd)} | {Gain(full?.OverLast, full?.OverLastStd)} |\n"));
            }
        }

        b.Append(Inv($"\nBy K (days {span}):\n\n| pretrained on | variant | K | none | last | full | full − none | full − last |\n|---|---|---:|---:|---:|---:|---:|---:|\n"));
        foreach (var source in Sources)
        {
            foreach (var variant in Variants)
            {
                foreach (var trials in report.Trials)
                {
                    var full = DriftSummary.Cell(runs, source, variant, "full", trials, later);
                    if (full is null)
                    {
                        continue;
                    }

                    b.Append(Inv($"| {SourceName(source)} | {variant} | {trials} | {Cell(DriftSummary.Cell(runs, source, "independent", "none", trials, later))} | "));
                    b.Append(Inv($"{Cell(DriftSummary.Cell(runs, source, variant, "last", trials, later))} | {Cell(full)} | {Gain(full.OverNone, full.OverNoneStd)} | {Gain(full.OverLast, full.OverLastStd)} |\n"));
                }
            }
        }

        var allDays = runs.Select(x => x.Day).Distinct().Order().ToList();
        b.Append(Inv($"\nDay by day, K = {k} (day 1: the pretrained model on all of day 1; later days: tested on the repetitions after the first K per class):\n\n"));
        b.Append("| pretrained on | variant | mode | " + string.Join(" | ", allDays.Select(d => Inv($"day {d}"))) + " |\n|---|---|---|" + string.Concat(allDays.Select(_ => "---:|")) + "\n");
        foreach (var source in Sources)
        {
            foreach (var variant in Variants)
            {
                foreach (var mode in Modes.Where(m => variant == "independent" || m != "none"))
                {
                    var cells = allDays.Select(d => DriftSummary.Cell(runs, source, variant, mode, d == 1 ? 0 : k, [d])).ToList();
                    if (cells.All(c => c is null))
                    {
                        continue;
                    }

                    b.Append(Inv($"| {SourceName(source)} | {variant} | {mode} | ") + string.Join(" | ", cells.Select(Cell)) + " |\n");
                }
            }
        }

        b.Append(Inv($"\nPer user (days {span}, K = {k}, independent; mean over seeds):\n\n| user | pretrained on | none | last | full | full − none | full − last |\n|---|---|---:|---:|---:|---:|---:|\n"));
        foreach (var user in users)
        {
            foreach (var source in Sources)
            {
                var m = Modes.Select(mode => DriftSummary.UserMean(runs, user, source, "independent", mode, k, later)).ToList();
                if (m.All(v => v is null))
                {
                    continue;
                }

                b.Append(Inv($"| {user} | {SourceName(source)} | {Percent(m[0])} | {Percent(m[1])} | {Percent(m[2])} | {Points(m[2] - m[0])} | {Points(m[2] - m[1])} |\n"));
            }
        }

        return b.Append('\n').ToString();
    }

    public static string SummaryCsv(DriftReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var (later, _) = Headline(report);
        var spans = new List<(string Name, int[] Days)> { (later.Length == 0 ? "-" : $"{later[0]}-{later[^1]}", later) };
        spans.AddRange(report.Runs.Select(r => r.Day).Distinct().Order().Select(d => (d.ToString(CultureInfo.InvariantCulture), new[] { d })));
        var cells =
            from source in Sources
            from variant in Variants
            from mode in Modes
            from k in report.Trials.Prepend(0)
            from span in spans
            let c = DriftSummary.Cell(report.Runs, source, variant, mode, k, span.Days)
            where c is not null
            select (source, variant, span.Name, mode, k, c);
        return Csv(
            "source,variant,days,mode,k,mean,std,n,gain_over_none,gain_over_none_std,gain_over_last,gain_over_last_std",
            cells,
            x => $"{x.source},{x.variant},{x.Name},{x.mode},{x.k},{x.c.Mean:F4},{x.c.Std:F4},{x.c.Count},{Field(x.c.OverNone)},{Field(x.c.OverNoneStd)},{Field(x.c.OverLast)},{Field(x.c.OverLastStd)}");
    }

    public static string RunsCsv(IReadOnlyList<DriftRun> runs) => Csv(
        "source,variant,seed,user,day,mode,k,calibration_windows,test_windows,accuracy",
        runs,
        r => $"{r.Source},{r.Variant},{r.Seed},{r.User},{r.Day},{r.Mode},{r.Trials},{r.CalibrationWindows},{r.TestWindows},{r.Accuracy:F4}");

    public static string SourceName(string source) => source == "day1" ? "the user's day 1" : "the other users";

    private static string Cell(DriftCell? c) => c is null ? string.Empty : MeanSd(c.Mean, c.Std);
}
