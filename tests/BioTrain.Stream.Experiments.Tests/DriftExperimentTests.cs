using BioTrain.Stream.Experiments.Datasets;
using BioTrain.Stream.Experiments.Drift;
using BioTrain.Stream.Experiments.Results;
using Xunit.Abstractions;

namespace BioTrain.Stream.Experiments.Tests;

/// <summary>The drift protocol: its splits, its pairing of gains, its outputs, and short runs on the native virtual device.</summary>
public class DriftExperimentTests(ITestOutputHelper output)
{
    private static DriftRun Run(string source, string variant, string user, int day, string mode, int k, double accuracy) =>
        new(source, variant, 1, user, day, mode, k, mode == "none" ? 0 : 10, 20, accuracy);

    private static readonly DriftRun[] Runs =
    [
        Run("others", "independent", "u1", 1, "none", 0, 0.6),
        Run("others", "independent", "u1", 2, "none", 2, 0.5), Run("others", "independent", "u1", 3, "none", 2, 0.3),
        Run("others", "independent", "u1", 2, "last", 2, 0.6), Run("others", "independent", "u1", 3, "last", 2, 0.6),
        Run("others", "independent", "u1", 2, "full", 2, 0.8), Run("others", "independent", "u1", 3, "full", 2, 0.6),
        Run("others", "independent", "u2", 2, "none", 2, 0.7), Run("others", "independent", "u2", 2, "full", 2, 0.9),
        Run("others", "cumulative", "u1", 2, "full", 2, 0.8), Run("others", "cumulative", "u1", 3, "full", 2, 0.9),
    ];

    [Fact]
    public void Adaptation_takes_the_first_k_repetitions_of_each_class_and_tests_on_the_rest()
    {
        // class 0: trials 0, 2, 4; class 1: trials 1, 3; two windows per trial
        var epochs = Enumerable.Range(0, 10).Select(i => new Epoch(new float[1], i / 2 % 2, i / 2)).ToList();
        var (adapt, test) = DriftExperiment.Split(new SessionData("day-2", epochs), 1);
        Assert.Equal([0, 1], adapt.Select(e => e.Trial).Distinct());
        Assert.Equal([2, 3, 4], test.Select(e => e.Trial).Distinct());
        Assert.Equal(10, adapt.Count + test.Count);
    }

    [Fact]
    public void Cells_average_days_per_user_first_and_pair_gains()
    {
        var full = DriftSummary.Cell(Runs, "others", "independent", "full", 2, [2, 3])!;
        Assert.Equal(2, full.Count);
        Assert.Equal((0.7 + 0.9) / 2, full.Mean, 9);               // u1: (0.8 + 0.6) / 2, u2: 0.9
        Assert.Equal((0.3 + 0.2) / 2, full.OverNone!.Value, 9);     // u1: (0.3 + 0.3) / 2, u2: 0.2
        Assert.Equal(0.1, full.OverLast!.Value, 9);                  // u1 only: (0.2 + 0.0) / 2
        var cumulative = DriftSummary.Cell(Runs, "others", "cumulative", "full", 2, [2, 3])!;
        Assert.Equal(0.45, cumulative.OverNone!.Value, 9);           // paired with the independent none: (0.3 + 0.6) / 2
        Assert.Null(DriftSummary.Cell(Runs, "day1", "independent", "full", 2, [2, 3]));
    }

    [Fact]
    public async Task Writes_markdown_csv_json_and_a_plot_that_read_back()
    {
        var directory = Path.Combine(Path.GetTempPath(), "biotrain-drift-" + Guid.NewGuid().ToString("N"));
        try
        {
            // As the CLI makes it: the fields every report states, then the drift report's own.
            var report = new DriftReport(new ReportBasis("d", "./biotrain x", "m", "p", [1], new TrainingRecipe(), 1.0 / 6, 1), trials: [2], dayOneEpochs: 30, Runs);
            var files = await DriftResultWriter.WriteAsync(report, directory, CancellationToken.None);
            Assert.Equal(5, files.Count);
            var markdown = await File.ReadAllTextAsync(Path.Combine(directory, "results.md"));
            Assert.Contains("| the other users | independent | 55.0 ± 21.2 | 60.0 ± 0.0 | 80.0 ± 14.1 | +25.0 ± 7.1 | +10.0 ± 0.0 |", markdown, StringComparison.Ordinal);
            Assert.True(new FileInfo(Path.Combine(directory, "accuracy.png")).Length > 1000);
            var back = await DriftResultWriter.ReadAsync(directory, CancellationToken.None);
            Assert.Equal(Runs, back.Runs);
            Assert.Equal(("d", "./biotrain x", 30, 1.0 / 6), (back.Dataset, back.Command, back.DayOneEpochs, back.ChanceLevel));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task On_a_shift_only_adaptation_can_undo_full_adaptation_beats_none_every_day()
    {
        // Every session of the target is shifted the same way: without adaptation each day stays poor.
        var dataset = SubjectShiftGenerator.Generate(new SubjectShiftOptions { TargetSubjects = 1, Sessions = 3, TrialsPerClass = 10 });
        var options = new DriftOptions { Trials = [6], Seeds = [1], DayOneEpochs = 20 };
        var runs = await new DriftExperiment(dataset, options, new CalibrationOptions(), new TestOutputWriter(output)).RunAsync(CancellationToken.None);

        Assert.Equal(["target-1"], runs.Select(r => r.User).Distinct());
        Assert.Equal([1, 2, 3], runs.Select(r => r.Day).Distinct().Order());
        for (var day = 2; day <= 3; day++)
        {
            double Accuracy(string mode) => runs.Single(r => r.Source == "others" && r.Variant == "independent" && r.Day == day && r.Mode == mode).Accuracy;
            Assert.True(Accuracy("full") > Accuracy("none") + 0.2, $"day {day}: full {Accuracy("full"):P0} vs none {Accuracy("none"):P0}");
        }

        // Cumulative runs carry the weights: one per mode and later day, from each source.
        Assert.Equal(2 * 2 * 2, runs.Count(r => r.Variant == "cumulative"));
        Assert.All(runs.Where(r => r.Mode != "none"), r => Assert.Equal(6 * 4 * dataset.Classes.Count / 4, r.CalibrationWindows));
    }

    [SharedDataFact]
    public async Task Short_form_on_one_real_user()
    {
        var dataset = await DatasetCatalog.LoadAsync("unibo-inail", SharedRecordings.Folder, CancellationToken.None);
        var calibration = new CalibrationOptions { Recipe = dataset.Recipe with { PretrainEpochs = 1, CalibrationSteps = 40 } };
        var options = new DriftOptions { Trials = [2], Seeds = [1], MaxUsers = 1, DayOneEpochs = 4, Cumulative = false };
        var runs = await new DriftExperiment(dataset, options, calibration, new TestOutputWriter(output)).RunAsync(CancellationToken.None);

        // Day 1 from the others; days 2-5 x (none, last, full) from each source.
        Assert.Equal(1 + (2 * 4 * 3), runs.Count);
        Assert.All(runs, r => Assert.True(r.Accuracy > 0.3, $"{r.Source} day {r.Day} {r.Mode}: {r.Accuracy:P0}, near chance (16.7 %)"));
        // Two repetitions of each of the 6 classes adapt; the other 8 of each gesture and the other rests test.
        Assert.All(runs.Where(r => r.Day > 1), r => Assert.InRange(r.TestWindows, 400, 1600));
    }
}
