using System.Globalization;
using BioTrain.Stream.Models;

namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>
/// MI-OpenBCI (Peterson et al. 2020): run R0 of 10 subjects, EDF+ at 125 Hz, 15 channels, 10 cued trials
/// (5 right-hand kinesthetic imagery <c>770</c>, 5 rest <c>772</c>). Imagery runs 4 s from the cue; windows of
/// 2 s every 0.25 s inside [cue + 0.5, cue + 4] s. One run per subject, so calibration takes the first trials
/// of a seeded order and the test is the trials left over.
/// </summary>
public static class MiOpenBciLoader
{
    public const string Folder = "mi-openbci-peterson2020/edf";
    public static readonly IReadOnlyList<string> Channels = ["Pz", "Cz", "T6", "T4", "F8", "P4", "C4", "F4", "Fz", "T5", "T3", "F7", "P3", "C3", "F3"];
    public static readonly IReadOnlyList<string> Classes = ["right_hand_imagery", "rest"];

    public static async Task<Dataset> LoadAsync(string directory, FilterPhase phase, CancellationToken cancellationToken)
    {
        var filter = Filtering.MotorImagery with { Phase = phase };
        var root = DatasetCatalog.RequireDirectory(Path.Combine(directory, Folder), "mi-openbci");
        var subjects = new List<SubjectData>();
        var rate = 0.0;
        foreach (var file in Directory.GetFiles(root, "S*_R0.edf").Order(StringComparer.Ordinal))
        {
            var (recording, channels, r) = await EdfEpochs.ReadAsync(file, Channels, cancellationToken).ConfigureAwait(false);
            rate = r;
            filter.Apply(channels, rate);
            var cues = recording.Annotations
                .Select(a => (a.Onset, Code: a.Text.Split(':')[0]))
                .Where(a => a.Code is "770" or "772")
                .Select(a => new Cue(a.Onset, a.Code == "770" ? 0 : 1))
                .ToList();
            if (cues.Count == 0)
            {
                throw new DatasetFormatException($"{file}: no 770/772 class annotations");
            }

            var windows = CueEpochs.Cut(channels, cues, t => (int)Math.Round(t * rate), rate, 0.5, 4.0, (int)Math.Round(2 * rate), (int)Math.Round(0.25 * rate));
            var id = Path.GetFileName(file).Split('_')[0];
            subjects.Add(SubjectNormaliser.Subject(id, [("R0", windows)], Channels.Count));
        }

        var samples = (int)Math.Round(2 * rate);
        return new Dataset
        {
            Name = "mi-openbci",
            Classes = Classes,
            SampleRate = rate,
            Model = ModelSpec.MiBmiNet(Channels.Count, samples, 2),
            Subjects = DatasetCatalog.RequireSubjects(subjects, "mi-openbci", root),
            Preprocessing = string.Create(CultureInfo.InvariantCulture,
                $"EDF+ at {rate:G} Hz, all 15 channels (already filtered at acquisition, 'FILT'), then {filter}; 2-s windows ({samples} samples) every 0.25 s in [cue + 0.5, cue + 4] s; ")
                + "per-window channel mean removed, channels scaled by the subject's RMS",
            SessionMeaning = "run",
            DefaultCalibrationTrials = [1, 2, 3],
            Recipe = new TrainingRecipe { PretrainEpochs = 30, CalibrationSteps = 60 },
        };
    }
}
