using BioTrain.Stream.Formats.Synthetic;
using BioTrain.Stream.Formats.Xdf;
using BioTrain.Stream.Models;

namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>
/// The project's own synthetic recordings (replay-data/, made by <c>biotrain data generate</c>): one XDF per
/// subject and modality with a signal stream and a cue-marker stream. One session per subject, so the test is
/// the trials left after calibration. The shipped set has 2 trials per class; generate more with
/// <c>biotrain data generate --trials 10 --subjects 6 --out DIR</c> and pass <c>--data-dir DIR</c>.
/// </summary>
public static class SyntheticReplayLoader
{
    private sealed record Layout(string Folder, IReadOnlyList<string> Classes, ModelSpec Model, double From, double To, double Window, double Stride, string Text, Filtering Filter);

    private static Layout For(string name, double rate) => name switch
    {
        "synthetic-eeg" => new Layout("eeg-mi", MotorImageryGenerator.Classes, Spec(8, (int)(rate * 1.0), 4), 0.5, 2.0, 1.0, 0.25,
            "1-s windows every 0.25 s in [cue + 0.5, cue + 2.0] s", Filtering.MotorImagery.ForRate(rate)),
        "synthetic-emg" => new Layout("emg-gestures", EmgGestureGenerator.Classes, Spec(8, (int)(rate * 0.5), 7), 0.1, 0.7, 0.5, 0.05,
            "0.5-s windows every 0.05 s in [cue + 0.1, cue + 0.7] s", Filtering.EmgWide.ForRate(rate)),
        _ => new Layout("eog-saccades", EogSaccadeGenerator.Classes, Spec(2, (int)(rate * 0.96), 11), 0.0, 1.0, 0.96, 1.0,
            "one 0.96-s window from the cue (the last trial may end with the recording)", Filtering.Eog.ForRate(rate)),
    };

    private static ModelSpec Spec(int channels, int samples, int classes) =>
        ModelSpec.MiBmiNet(channels, samples, classes);

    public static async Task<Dataset> LoadAsync(string name, string directory, FilterPhase phase, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(directory, For(name, 1).Folder);
        DatasetCatalog.RequireDirectory(folder, name);
        var files = Directory.GetFiles(folder, "sub-*.xdf").Order(StringComparer.Ordinal).ToList();
        if (files.Count < 2)
        {
            throw new DatasetFormatException($"{name}: {folder} holds {files.Count} subject file(s); leave-one-subject-out needs at least 2");
        }

        var subjects = new List<SubjectData>();
        Layout? layout = null;
        double rate = 0;
        foreach (var file in files)
        {
            var xdf = await XdfReader.ReadAsync(file, null, cancellationToken).ConfigureAwait(false);
            var signal = xdf.Streams.FirstOrDefault(s => s.Info.Type != "Markers" && !s.Info.IsIrregular)
                ?? throw new DatasetFormatException($"{file}: no regular signal stream");
            var markers = xdf.Streams.FirstOrDefault(s => s.Info.Type == "Markers")
                ?? throw new DatasetFormatException($"{file}: no marker stream");
            rate = signal.Info.NominalSrate;
            layout = For(name, rate);
            var channels = CueEpochs.Deinterleave(signal.Data.ToFloat32(), signal.Info.ChannelCount, Enumerable.Range(0, signal.Info.ChannelCount).ToList());
            (layout.Filter with { Phase = phase }).Apply(channels, rate);
            var labels = markers.Data.GetStrings();
            var cues = new List<Cue>();
            for (var i = 0; i < labels.Length; i++)
            {
                var label = layout.Classes.ToList().IndexOf(labels[i]);
                if (label < 0)
                {
                    throw new DatasetFormatException($"{file}: marker '{labels[i]}' is not a class of {name}");
                }

                cues.Add(new Cue(markers.Timestamps[i], label));
            }

            var windows = CueEpochs.Cut(channels, cues, t => CueEpochs.IndexAt(signal.Timestamps, t), rate, layout.From, layout.To,
                (int)Math.Round(layout.Window * rate), Math.Max(1, (int)Math.Round(layout.Stride * rate)));
            subjects.Add(SubjectNormaliser.Subject(Path.GetFileNameWithoutExtension(file), [("session-1", windows)], channels.Length));
        }

        return new Dataset
        {
            Name = name,
            Classes = layout!.Classes,
            SampleRate = rate,
            Model = layout.Model,
            Subjects = subjects,
            Preprocessing = $"XDF signal stream at {rate:G} Hz, {layout.Filter with { Phase = phase }}; {layout.Text}; per-window channel mean removed, "
                + "channels scaled by the subject's RMS",
            SessionMeaning = "recording",
            DefaultCalibrationTrials = [1],
            Recipe = new TrainingRecipe { PretrainEpochs = 30, CalibrationSteps = 60 },
        };
    }
}
