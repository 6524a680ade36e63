using BioTrain.Stream.Experiments.Datasets;
using BioTrain.Stream.Experiments.Results;

namespace BioTrain.Stream.Experiments.Tests;

/// <summary>The published outputs: Markdown table, CSVs, JSON and a PNG plot.</summary>
public class ResultOutputTests
{
    private static readonly RunResult[] Runs =
    [
        new("d", "day1", 1, "s1", "none", 0, 0, 10, 0.3),
        new("d", "day1", 1, "s2", "none", 0, 0, 10, 0.5),
        new("d", "day1", 1, "s1", "last", 2, 8, 10, 0.5),
        new("d", "day1", 1, "s2", "last", 2, 8, 10, 0.6),
        new("d", "day1", 1, "s1", "full", 2, 8, 10, 0.7),
        new("d", "day1", 1, "s2", "full", 2, 8, 10, 0.9),
        new("d", "drift", 1, "s1", "session1", 0, 20, 8, 0.6),
        new("d", "drift", 1, "s1", "session1+full", 1, 4, 8, 0.8),
    ];

    [Fact]
    public void Summary_pairs_gains_by_seed_subject_and_size()
    {
        var summary = ResultSummary.Summarise(Runs);
        var full = summary.Single(s => s.Experiment == "day1" && s.Mode == "full");
        Assert.Equal(0.8, full.Mean, 9);
        Assert.Equal(Math.Sqrt(0.02), full.Std, 9);
        Assert.Equal(0.4, full.GainOverNone!.Value, 9);   // (0.4 + 0.4) / 2
        Assert.Equal(0.25, full.GainOverLast!.Value, 9);  // (0.2 + 0.3) / 2
        Assert.Null(summary.Single(s => s.Mode == "none").GainOverNone);
    }

    [Fact]
    public async Task Writes_markdown_csv_json_and_a_png()
    {
        var directory = Path.Combine(Path.GetTempPath(), "biotrain-exp-" + Guid.NewGuid().ToString("N"));
        try
        {
            var report = new ExperimentReport
            {
                Dataset = "d", Command = "biotrain experiment calibration --dataset d", Model = "m", Preprocessing = "p", HoldOutUnit = "subject",
                SessionMeaning = "series", HeldOutUnits = 2, Seeds = [1], Device = "emu:native", Recipe = new TrainingRecipe(), DriftTrials = 1,
                ChanceLevel = 0.25, ElapsedSeconds = 1, Summary = ResultSummary.Summarise(Runs), Runs = Runs,
            };
            var files = await ResultWriter.WriteAsync(report, directory, CancellationToken.None);
            Assert.Equal(5, files.Count);
            var markdown = await File.ReadAllTextAsync(Path.Combine(directory, "results.md"));
            Assert.Contains("| 2 | 40.0 ± 14.1 | 55.0 ± 7.1 | 80.0 ± 14.1 | +40.0 ± 0.0 | +25.0 ± 7.1 |", markdown, StringComparison.Ordinal);
            Assert.Contains("session-1 calibrated, no adaptation", markdown, StringComparison.Ordinal);
            var csv = await File.ReadAllLinesAsync(Path.Combine(directory, "runs.csv"));
            Assert.Equal(Runs.Length + 1, csv.Length);
            var png = await File.ReadAllBytesAsync(Path.Combine(directory, "accuracy.png"));
            Assert.True(png.Length > 1000);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
            Assert.Contains("\"gainOverLast\"", await File.ReadAllTextAsync(Path.Combine(directory, "results.json")), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
