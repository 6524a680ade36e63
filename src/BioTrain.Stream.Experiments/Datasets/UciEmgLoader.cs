using System.Globalization;
using BioTrain.Stream.Models;

namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>
/// UCI "EMG data for gestures" (Lobov et al. 2018, MYO armband): folders <c>NN/</c> with two series
/// <c>1_raw_data_*.txt</c> and <c>2_raw_data_*.txt</c>; tab-separated time (ms), 8 channels (V), class.
/// The rows sit on a ~1-ms grid but the MYO delivers ~200 Hz (the values are held), so the signal is
/// resampled to 200 Hz by sample-and-hold at 5-ms ticks (about one tick per device sample).
/// Classes 1-6 (rest, fist, wrist flexion, extension, radial, ulnar deviation) become 0-5; class 0
/// (unmarked pauses) is dropped. Each contiguous hold of one gesture is a trial (2 per class per series).
/// </summary>
public static class UciEmgLoader
{
    public const double Rate = 200;
    public const int Window = 100;   // 0.5 s
    public const int Stride = 25;    // 0.125 s
    public const string Folder = "emg-uci-myo-gestures";
    private const int Channels = 8;
    private const long MaxFileBytes = 64L << 20;

    public static readonly IReadOnlyList<string> Classes = ["rest", "fist", "wrist_flexion", "wrist_extension", "radial_deviation", "ulnar_deviation"];

    public static async Task<Dataset> LoadAsync(string directory, FilterPhase phase, CancellationToken cancellationToken)
    {
        var filter = Filtering.EmgMyo with { Phase = phase };
        var root = DatasetCatalog.RequireDirectory(Path.Combine(directory, Folder), "uci-emg");
        var subjects = new List<SubjectData>();
        foreach (var subjectDir in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            var series = Directory.GetFiles(subjectDir, "*_raw_data_*.txt").Order(StringComparer.Ordinal).ToList();
            if (series.Count == 0)
            {
                continue;
            }

            var sessions = new List<(string, List<RawWindow>)>();
            var trial = 0;
            foreach (var file in series)
            {
                var (channels, labels) = Read(await File.ReadAllLinesAsync(CheckSize(file), cancellationToken).ConfigureAwait(false), file);
                filter.Apply(channels, Rate);
                var segments = Windowing.Runs(labels, trial);
                trial += segments.Count;
                sessions.Add(($"series-{Path.GetFileName(file)[0]}", Windowing.Cut(channels, segments, Window, Stride)));
            }

            subjects.Add(SubjectNormaliser.Subject(Path.GetFileName(subjectDir), sessions, Channels));
        }

        return new Dataset
        {
            Name = "uci-emg",
            Classes = Classes,
            SampleRate = Rate,
            Model = ModelSpec.MiBmiNet(Channels, Window, Classes.Count),
            Subjects = DatasetCatalog.RequireSubjects(subjects, "uci-emg", root),
            Preprocessing = "1-ms rows resampled to the MYO's 200 Hz by sample-and-hold at 5-ms ticks; " + filter + "; 0.5-s windows (100 samples) every 0.125 s inside each gesture hold, pauses (class 0) dropped; per-window channel "
                + "mean removed, channels scaled by the subject's series-1 RMS",
            SessionMeaning = "series (same day, minutes apart)",
            DefaultCalibrationTrials = [1, 2],
            Recipe = new TrainingRecipe { PretrainEpochs = 10, CalibrationSteps = 100 },
        };
    }

    /// <summary>Parses one series and resamples it; labels are class - 1, or -1 for unmarked.</summary>
    public static (float[][] Channels, List<int> Labels) Read(IReadOnlyList<string> lines, string file)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (lines.Count < 2 || !lines[0].StartsWith("time", StringComparison.OrdinalIgnoreCase))
        {
            throw new DatasetFormatException($"{file}: expected a header row starting with 'time'");
        }

        var channels = Enumerable.Range(0, Channels).Select(_ => new List<float>()).ToArray();
        var labels = new List<int>();
        var row = new float[Channels];
        var rowLabel = -1;
        double nextTick = double.NaN;
        double previousTime = double.NegativeInfinity;
        for (var i = 1; i < lines.Count; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            var fields = lines[i].Split('\t');
            if (fields.Length != Channels + 2)
            {
                throw new DatasetFormatException($"{file}:{i + 1}: {fields.Length} columns, expected {Channels + 2}");
            }

            var time = Number(fields[0], file, i);
            if (time < previousTime)
            {
                throw new DatasetFormatException($"{file}:{i + 1}: time goes backwards ({time} ms after {previousTime} ms)");
            }

            if (double.IsNaN(nextTick))
            {
                nextTick = time;
            }

            // Every 5-ms tick before this row's time takes the values held since the previous row (sample-and-hold).
            while (nextTick < time)
            {
                Emit(channels, labels, row, rowLabel);
                nextTick += 1000 / Rate;
            }

            for (var c = 0; c < Channels; c++)
            {
                row[c] = (float)Number(fields[c + 1], file, i);
            }

            var cls = (int)Number(fields[Channels + 1], file, i);
            rowLabel = cls is >= 1 and <= 6 ? cls - 1 : -1;
            previousTime = time;
        }

        while (nextTick <= previousTime)
        {
            Emit(channels, labels, row, rowLabel);
            nextTick += 1000 / Rate;
        }

        return (channels.Select(c => c.ToArray()).ToArray(), labels);
    }

    private static void Emit(List<float>[] channels, List<int> labels, float[] row, int label)
    {
        for (var c = 0; c < Channels; c++)
        {
            channels[c].Add(row[c]);
        }

        labels.Add(label);
    }

    private static double Number(string text, string file, int line) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : throw new DatasetFormatException($"{file}:{line + 1}: '{text}' is not a number");

    private static string CheckSize(string file) =>
        new FileInfo(file).Length <= MaxFileBytes ? file : throw new DatasetFormatException($"{file}: larger than {MaxFileBytes >> 20} MiB, not a UCI EMG series");
}
