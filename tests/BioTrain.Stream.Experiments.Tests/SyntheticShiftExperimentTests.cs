using BioTrain.Stream.Experiments.Datasets;
using BioTrain.Stream.Experiments.Results;
using Xunit.Abstractions;

namespace BioTrain.Stream.Experiments.Tests;

/// <summary>
/// The calibration experiment end to end on the native virtual device, on a generated subject shift that only
/// the first (spatial) layer can undo (<see cref="SubjectShiftGenerator"/>): full fine-tuning must beat
/// last-layer calibration, which must beat no adaptation.
/// </summary>
public class SyntheticShiftExperimentTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Full_beats_last_beats_none_on_a_shift_only_early_layers_can_undo()
    {
        var dataset = SubjectShiftGenerator.Generate();
        var options = new CalibrationOptions { CalibrationTrials = [12], Seeds = [1, 2], DriftTrials = 2 };
        var runs = await new CalibrationExperiment(dataset, options, new TestOutputWriter(output)).RunAsync(CancellationToken.None);
        var summary = ResultSummary.Summarise(runs);

        double Mean(string experiment, string mode) => summary.Single(s => s.Experiment == experiment && s.Mode == mode).Mean;
        var none = Mean("day1", "none");
        var last = Mean("day1", "last");
        var full = Mean("day1", "full");
        Assert.True(full > last + 0.08, $"full {full:P1} should beat last {last:P1} by 8 points");
        Assert.True(last > none + 0.15, $"last {last:P1} should beat none {none:P1} by 15 points");
        Assert.True(full > 0.65, $"full calibration reaches only {full:P1}");

        // Every target subject ran every mode, on the same test windows.
        Assert.Equal(2, runs.Where(r => r.Experiment == "day1").Select(r => r.HeldOut).Distinct().Count());
        Assert.Single(runs.Where(r => r.Experiment == "day1").Select(r => r.TestWindows).Distinct());
        Assert.True(runs.Where(r => r.Mode != "none" && r.Experiment == "day1").All(r => r.CalibrationWindows == 12 * 4));

        // Drift: session 2 has no drift of its own, so the session-1 calibration carries over.
        Assert.True(Mean("drift", "session1") > Mean("drift", "pretrained") + 0.3);
    }

    [Fact]
    public async Task Runs_end_to_end_on_the_shipped_synthetic_emg_recordings()
    {
        // The XDF path: replay-data/emg-gestures (3 subjects, 2 trials per class) read, filtered, windowed, pretrained, calibrated.
        var dataset = await DatasetCatalog.LoadAsync("synthetic-emg", Path.Combine(RepoPaths.Root, "replay-data"), CancellationToken.None);
        var runs = await new CalibrationExperiment(dataset, new CalibrationOptions()).RunAsync(CancellationToken.None);
        Assert.Equal(3 * 3, runs.Count); // none, last@1, full@1 per held-out subject; one session, so no drift
        Assert.All(runs, r => Assert.True(r.TestWindows >= 7, "every class is in the test"));
        Assert.All(runs, r => Assert.True(r.Accuracy > 2.0 / 7, $"{r.HeldOut} {r.Mode}: {r.Accuracy:P0}, near chance"));
    }

    [Fact]
    public async Task Calibrating_on_another_device_gives_the_same_results()
    {
        // As with --device emu:qemu: pretraining on one device, calibration on another that gets the weights over the protocol.
        var dataset = SubjectShiftGenerator.Generate(new SubjectShiftOptions { TargetSubjects = 1, TrialsPerClass = 8 });
        var options = new CalibrationOptions { CalibrationTrials = [6], Drift = false };
        var same = await new CalibrationExperiment(dataset, options).RunAsync(CancellationToken.None);
        var other = await new CalibrationExperiment(dataset, options with { SeparateCalibrationDevice = true }).RunAsync(CancellationToken.None);
        Assert.Equal(3, same.Count);
        Assert.Equal(same, other);
    }
}
