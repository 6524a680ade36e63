using System.Globalization;
using BioTrain.Stream.Formats.Xdf;
using BioTrain.Stream.Models;

namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>
/// bci-essentials example recordings (LabRecorder XDF, one participant): the seven motor-imagery runs
/// (<c>MISwitch_run-001..004</c>, <c>T1_run-001..003</c>), EEG <c>g.USBamp-1</c> at 256 Hz, 16 channels, and marker
/// <c>switch,3,&lt;label&gt;,2</c>: a 2-s epoch of class 0, 1 or 2 from the marker's time. One subject, so this is
/// within-subject: each run is held out in turn (pretraining on the other six), calibrated on some of its
/// trials and tested on the rest.
/// </summary>
public static class BciEssentialsLoader
{
    public const string Folder = "bci-essentials-xdf/July5_AG_sub-P001";
    public const double EpochSeconds = 2;
    public static readonly IReadOnlyList<string> Classes = ["label0", "label1", "label2"];

    public static async Task<Dataset> LoadAsync(string directory, FilterPhase phase, CancellationToken cancellationToken)
    {
        var filter = Filtering.MotorImagery with { Phase = phase };
        var root = DatasetCatalog.RequireDirectory(Path.Combine(directory, Folder), "bci-essentials");
        var files = Directory.GetFiles(root, "*.xdf").Where(f => f.Contains("MISwitch", StringComparison.Ordinal) || f.Contains("task-T1", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
        var units = new List<SubjectData>();
        var rate = 0.0;
        var channelCount = 0;
        foreach (var file in files)
        {
            XdfFile xdf;
            try
            {
                xdf = await XdfReader.ReadAsync(file, null, cancellationToken).ConfigureAwait(false);
            }
            catch (XdfFormatException e)
            {
                throw new DatasetFormatException($"{file}: {e.Message}", e);
            }

            var eeg = xdf.Streams.FirstOrDefault(s => s.Info.Type == "EEG") ?? throw new DatasetFormatException($"{file}: no EEG stream");
            var markers = xdf.FindStream("UnityMarkerStream") ?? throw new DatasetFormatException($"{file}: no UnityMarkerStream");
            rate = eeg.Info.NominalSrate;
            channelCount = eeg.Info.ChannelCount;
            var channels = CueEpochs.Deinterleave(eeg.Data.ToFloat32(), channelCount, Enumerable.Range(0, channelCount).ToList());
            filter.Apply(channels, rate);
            var texts = markers.Data.GetStrings();
            var cues = new List<Cue>();
            for (var i = 0; i < texts.Length; i++)
            {
                var parts = texts[i].Split(',');
                if (parts.Length == 4 && parts[0] == "switch" && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var label) && label is >= 0 and <= 2)
                {
                    cues.Add(new Cue(markers.Timestamps[i], label));
                }
            }

            var samples = (int)Math.Round(EpochSeconds * rate);
            var windows = CueEpochs.Cut(channels, cues, t => CueEpochs.IndexAt(eeg.Timestamps, t), rate, 0, EpochSeconds, samples, samples);
            var name = Path.GetFileName(file).Replace("sub-P001_ses-S001_task-", string.Empty, StringComparison.Ordinal).Replace("_eeg.xdf", string.Empty, StringComparison.Ordinal);
            units.Add(SubjectNormaliser.Subject(name, [("run", windows)], channelCount));
        }

        var length = (int)Math.Round(EpochSeconds * rate);
        return new Dataset
        {
            Name = "bci-essentials",
            Classes = Classes,
            SampleRate = rate,
            Model = ModelSpec.MiBmiNet(channelCount, length, 3),
            Subjects = DatasetCatalog.RequireSubjects(units, "bci-essentials", root),
            Preprocessing = string.Create(CultureInfo.InvariantCulture,
                $"XDF EEG stream at {rate:G} Hz, all {channelCount} channels, {filter}; one 2-s epoch ({length} samples) from each switch marker (LSL timestamps); ")
                + "per-window channel mean removed, channels scaled by the run's RMS",
            HoldOutUnit = "run",
            SessionMeaning = "run",
            DefaultCalibrationTrials = [2, 5, 10],
            // Batch 8: batch-norm pretraining of 16 x 512 windows at batch 16 needs 1.9 MB, more than the device's arena.
            Recipe = new TrainingRecipe { PretrainEpochs = 20, CalibrationSteps = 80, BatchSize = 8 },
        };
    }
}
