using System.Globalization;
using System.Text;
using static BioTrain.Stream.Experiments.Results.ReportText;

namespace BioTrain.Stream.Experiments.Results;

/// <summary>Writes a report as results.md, summary.csv, runs.csv, results.json and accuracy.png in one folder.</summary>
public static class ResultWriter
{
    /// <summary>Reads a report written by <see cref="WriteAsync"/> back from its results.json.</summary>
    public static Task<ExperimentReport> ReadAsync(string directory, CancellationToken cancellationToken) => ReportJson.ReadAsync<ExperimentReport>(directory, cancellationToken);

    public static Task<IReadOnlyList<string>> WriteAsync(ExperimentReport report, string directory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        return WriteFolderAsync(
            directory,
            [("results.md", Markdown(report)), ("summary.csv", SummaryCsv(report.Summary)), ("runs.csv", RunsCsv(report.Runs)), ("results.json", ReportJson.Write(report))],
            "accuracy.png",
            path => AccuracyPlot.Save(report, path),
            cancellationToken);
    }

    public static string Markdown(ExperimentReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var b = new StringBuilder();
        var units = report.HeldOutUnits * report.Seeds.Count;
        b.Append(Inv($"### {report.Dataset}\n\n"));
        b.Append(Inv($"```sh\n{report.Command}\n```\n\n"));
        b.Append(Inv($"- Model: {report.Model}; held out: one {report.HoldOutUnit} at a time ({report.HeldOutUnits}), seeds {string.Join(",", report.Seeds)}; calibration on {report.Device}.\n"));
        b.Append(Inv($"- Preprocessing: {report.Preprocessing}\n"));
        var r = report.Recipe;
        var calibrationNorm = r.CalibrationNormMode is { } cn && cn != r.NormMode ? Inv($" ({cn} in calibration)") : string.Empty;
        b.Append(Inv($"- Training: {r.Optimizer}, {r.NormMode} norm{calibrationNorm}, batch {r.BatchSize}; pretraining {r.PretrainEpochs} epochs at lr {r.PretrainLearningRate:G3}; "));
        b.Append(Inv($"calibration {r.CalibrationSteps} steps at lr {r.CalibrationLearningRate:G3} (full, bias), {r.LastLayerLearningRate:G3} (last layer); scratch runs 4x the steps at the pretraining lr.\n"));
        b.Append(Inv($"- Chance level {100 * report.ChanceLevel:F1} %; run time {report.ElapsedSeconds / 60:F1} min.\n\n"));

        var day1 = report.Summary.Where(s => s.Experiment == "day1").ToList();
        if (day1.Count > 0 && day1.All(s => s.Mode == "none"))
        {
            b.Append(Inv($"No calibration size could run (the held-out data has too few trials per class); no adaptation: {Cell(day1[0])} %.\n\n"));
        }
        else if (day1.Count > 0)
        {
            var modes = day1.Select(s => s.Mode).Where(m => m != "none").Distinct().ToList();
            var none = day1.FirstOrDefault(s => s.Mode == "none");
            b.Append(Inv($"Day-1 calibration: accuracy in %, mean ± sd over {units} runs ({report.HeldOutUnits} held-out {report.HoldOutUnit}s x {report.Seeds.Count} seeds); gains are paired differences in points.\n\n"));
            b.Append("| trials/class | none | " + string.Join(" | ", modes) + " | full − none | full − last |\n");
            b.Append("|---:|---:|" + string.Concat(modes.Select(_ => "---:|")) + "---:|---:|\n");
            foreach (var size in day1.Where(s => s.Mode != "none").Select(s => s.CalibrationTrials).Distinct().Order())
            {
                var row = day1.Where(s => s.CalibrationTrials == size).ToDictionary(s => s.Mode);
                b.Append(Inv($"| {size} | {Cell(none)} | "));
                b.Append(string.Join(" | ", modes.Select(m => Cell(row.GetValueOrDefault(m)))));
                var full = row.GetValueOrDefault("full");
                b.Append(Inv($" | {Gain(full?.GainOverNone, full?.GainOverNoneStd)} | {Gain(full?.GainOverLast, full?.GainOverLastStd)} |\n"));
            }

            b.Append('\n');
        }

        var drift = report.Summary.Where(s => s.Experiment == "drift").ToList();
        if (drift.Count > 0)
        {
            b.Append(Inv($"Drift (session 2 = the {report.SessionMeaning} after the calibration one; adaptation on its first {report.DriftTrials} trial(s) per class, tested on the rest):\n\n"));
            b.Append("| " + string.Join(" | ", drift.Select(s => DriftName(s.Mode))) + " |\n");
            b.Append("|" + string.Concat(drift.Select(_ => "---:|")) + "\n");
            b.Append("| " + string.Join(" | ", drift.Select(Cell)) + " |\n\n");
        }

        return b.ToString();
    }

    private static string DriftName(string mode) => mode switch
    {
        "pretrained" => "pretrained only",
        "session1" => "session-1 calibrated, no adaptation",
        _ => mode.Replace("session1+", "+ ", StringComparison.Ordinal) + " on session 2",
    };

    private static string Cell(SummaryRow? c) => c is null ? string.Empty : MeanSd(c.Mean, c.Std);

    public static string SummaryCsv(IReadOnlyList<SummaryRow> rows) => Csv(
        "experiment,mode,calibration_trials,mean,std,min,max,n,gain_over_none,gain_over_none_std,gain_over_last,gain_over_last_std",
        rows,
        s => $"{s.Experiment},{s.Mode},{s.CalibrationTrials},{s.Mean:F4},{s.Std:F4},{s.Min:F4},{s.Max:F4},{s.Count},{Field(s.GainOverNone)},{Field(s.GainOverNoneStd)},{Field(s.GainOverLast)},{Field(s.GainOverLastStd)}");

    public static string RunsCsv(IReadOnlyList<RunResult> runs) => Csv(
        "dataset,experiment,seed,held_out,mode,calibration_trials,calibration_windows,test_windows,accuracy",
        runs,
        r => $"{r.Dataset},{r.Experiment},{r.Seed},{r.HeldOut},{r.Mode},{r.CalibrationTrials},{r.CalibrationWindows},{r.TestWindows},{r.Accuracy:F4}");
}
