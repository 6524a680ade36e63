using BioTrain.Stream.Experiments.Datasets.Mat;
using BioTrain.Stream.Models;

namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>
/// Bulling et al.'s office-activity EOG (TMSi Mobi, horizontal + vertical EOG, nominally 128 Hz with dropped
/// packets): <c>participantP_R.mat</c>, one N x 5 double matrix <c>data</c> (seconds, microseconds, H, V, label).
/// Because packets were lost the signal is put on a uniform 50 Hz grid by timestamp: each 20-ms bin is the mean
/// of the samples in it (a block-average decimation), an empty bin holds the previous value. Labels 1-6 (null,
/// read, browse, write, video, copy) become classes 0-5; the two distraction labels are dropped. Each
/// contiguous activity is cut into 60-s blocks (the unit of calibration: one block = one minute of that
/// activity), at most <see cref="MaxBlocksPerClass"/> per class and run, and each block into 20-s windows
/// every 10 s (1000 samples, the EpiDeNet input). Run 0 and run 1 are the two sessions.
/// </summary>
public static class BullingEogLoader
{
    public const string Folder = "eog-bulling-office";
    public const double Rate = 50;
    public const int Window = 1000;        // 20 s
    public const int Stride = 500;         // 10 s
    public const int BlockSamples = 3000;  // 60 s
    public const int MaxBlocksPerClass = 6;
    public static readonly IReadOnlyList<string> Classes = ["null", "read", "browse", "write", "video", "copy"];

    public static async Task<Dataset> LoadAsync(string directory, FilterPhase phase, CancellationToken cancellationToken)
    {
        var filter = Filtering.Eog with { Phase = phase };
        var root = DatasetCatalog.RequireDirectory(Path.Combine(directory, Folder), "bulling-eog");
        var subjects = new List<SubjectData>();
        for (var participant = 1; participant <= 99; participant++)
        {
            var runs = Enumerable.Range(0, 2).Select(r => Path.Combine(root, $"participant{participant}_{r}.mat")).Where(File.Exists).ToList();
            if (runs.Count == 0)
            {
                continue;
            }

            var sessions = new List<(string, List<RawWindow>)>();
            var trial = 0;
            foreach (var file in runs)
            {
                IReadOnlyList<MatArray> arrays;
                try
                {
                    arrays = await MatReader.ReadAsync(file, cancellationToken).ConfigureAwait(false);
                }
                catch (MatFormatException e)
                {
                    throw new DatasetFormatException(e.Message, e);
                }

                var data = arrays.FirstOrDefault(a => a.Name == "data" && a.Columns == 5)
                    ?? throw new DatasetFormatException($"{file}: no N x 5 matrix 'data'");
                var (channels, labels) = Resample(data, file);
                filter.Apply(channels, Rate);
                var segments = Blocks(Windowing.Runs(labels), trial);
                trial += segments.Count;
                sessions.Add(($"run-{Path.GetFileNameWithoutExtension(file)[^1]}", Windowing.Cut(channels, segments, Window, Stride)));
            }

            subjects.Add(SubjectNormaliser.Subject($"P{participant}", sessions, 2));
        }

        return new Dataset
        {
            Name = "bulling-eog",
            Classes = Classes,
            SampleRate = Rate,
            Model = new ModelSpec("epidenet", new ZooOptions { Channels = 2, Samples = Window, Classes = Classes.Count }),
            Subjects = DatasetCatalog.RequireSubjects(subjects, "bulling-eog", root),
            Preprocessing = "H and V EOG put on a uniform 50 Hz grid by timestamp (20-ms bin means, empty bins hold the last value), " + filter + "; activities cut into "
                + "60-s blocks (at most 6 per class and run; the distraction labels dropped), 20-s windows (1000 samples) every 10 s inside a block; "
                + "per-window channel mean removed, channels scaled by the participant's run-0 RMS",
            SessionMeaning = "run (second 30-min recording)",
            DefaultCalibrationTrials = [1, 2, 4],
            // Batch 8: batch-norm pretraining of EpiDeNet 2 x 1000 at batch 16 needs 2.0 MB, more than the device's arena.
            Recipe = new TrainingRecipe { PretrainEpochs = 15, CalibrationSteps = 100, BatchSize = 8 },
        };
    }

    /// <summary>Block-average onto the 50 Hz grid; labels 1-6 become 0-5, others -1.</summary>
    public static (float[][] Channels, List<int> Labels) Resample(MatArray data, string file)
    {
        ArgumentNullException.ThrowIfNull(data);
        var seconds = data.Column(0);
        var micros = data.Column(1);
        var h = data.Column(2);
        var v = data.Column(3);
        var label = data.Column(4);
        if (data.Rows < 2)
        {
            throw new DatasetFormatException($"{file}: {data.Rows} samples");
        }

        var t0 = seconds[0] + (micros[0] * 1e-6);
        var tEnd = seconds[^1] + (micros[^1] * 1e-6);
        if (!(tEnd > t0) || tEnd - t0 > 24 * 3600)
        {
            throw new DatasetFormatException($"{file}: timestamps run from {t0} to {tEnd} s");
        }

        var bins = (int)((tEnd - t0) * Rate) + 1;
        var sumH = new double[bins];
        var sumV = new double[bins];
        var count = new int[bins];
        var binLabel = Enumerable.Repeat(-1, bins).ToArray();
        for (var i = 0; i < data.Rows; i++)
        {
            var bin = (int)((seconds[i] + (micros[i] * 1e-6) - t0) * Rate);
            if (bin < 0 || bin >= bins)
            {
                continue; // a timestamp out of order: dropped rather than trusted
            }

            sumH[bin] += h[i];
            sumV[bin] += v[i];
            count[bin]++;
            binLabel[bin] = label[i] is >= 1 and <= 6 ? (int)label[i] - 1 : -1;
        }

        var channels = new[] { new float[bins], new float[bins] };
        var labels = new List<int>(bins);
        float lastH = (float)h[0], lastV = (float)v[0];
        var lastLabel = binLabel[0];
        for (var b = 0; b < bins; b++)
        {
            if (count[b] > 0)
            {
                lastH = (float)(sumH[b] / count[b]);
                lastV = (float)(sumV[b] / count[b]);
                lastLabel = binLabel[b];
            }

            channels[0][b] = lastH;
            channels[1][b] = lastV;
            labels.Add(lastLabel);
        }

        return (channels, labels);
    }

    /// <summary>Cuts activity runs into 60-s blocks (a last piece shorter than a window is dropped), at most 6 per class.</summary>
    public static List<Segment> Blocks(IEnumerable<Segment> runs, int firstTrial)
    {
        var blocks = new List<Segment>();
        var perClass = new Dictionary<int, int>();
        foreach (var run in runs)
        {
            for (var start = run.Start; start + Window <= run.End; start += BlockSamples)
            {
                var used = perClass.GetValueOrDefault(run.Label);
                if (used >= MaxBlocksPerClass)
                {
                    break;
                }

                perClass[run.Label] = used + 1;
                blocks.Add(new Segment(start, Math.Min(run.End, start + BlockSamples), run.Label, firstTrial + blocks.Count));
            }
        }

        return blocks;
    }
}
