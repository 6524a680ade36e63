using System.Globalization;
using BioTrain.Stream.Models;

namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>
/// PhysioNet EEGMMIDB, subjects S001-S005, imagined left vs right fist (runs R04, R08, R12; T1 left, T2 right,
/// T0 rest left out), EDF+ at 160 Hz. The 21 channels over the sensorimotor strip (FC, C, CP rows) are kept, the
/// usual choice for motor imagery. Windows of 2 s every 0.5 s inside [cue + 0.5, cue + 4] s. R04 is the
/// calibration run and R08 + R12 the test ("session 2"): all three runs are from one visit, minutes apart.
/// </summary>
public static class EegmmidbLoader
{
    public static readonly IReadOnlyList<string> Channels =
    [
        "Fc5", "Fc3", "Fc1", "Fcz", "Fc2", "Fc4", "Fc6",
        "C5", "C3", "C1", "Cz", "C2", "C4", "C6",
        "Cp5", "Cp3", "Cp1", "Cpz", "Cp2", "Cp4", "Cp6",
    ];

    public static readonly IReadOnlyList<string> Classes = ["left_fist", "right_fist"];
    private static readonly string[] Folders = ["eegmmidb-physionet-S001", "eegmmidb-physionet-S002-S005-imagery"];
    private static readonly string[] Runs = ["R04", "R08", "R12"];

    public static async Task<Dataset> LoadAsync(string directory, FilterPhase phase, CancellationToken cancellationToken)
    {
        var filter = Filtering.MotorImagery with { Phase = phase };
        var subjectDirs = Folders.Select(f => Path.Combine(directory, f)).Where(Directory.Exists)
            .SelectMany(f => Directory.GetDirectories(f, "S0*")).OrderBy(Path.GetFileName, StringComparer.Ordinal).ToList();
        var subjects = new List<SubjectData>();
        var rate = 0.0;
        foreach (var dir in subjectDirs)
        {
            var id = Path.GetFileName(dir);
            var runs = new List<List<RawWindow>>();
            foreach (var (run, index) in Runs.Select((r, i) => (r, i)))
            {
                var file = Path.Combine(dir, $"{id}{run}.edf");
                if (!File.Exists(file))
                {
                    throw new DatasetFormatException($"eegmmidb: {file} is missing");
                }

                var (recording, channels, r) = await EdfEpochs.ReadAsync(file, Channels, cancellationToken).ConfigureAwait(false);
                rate = r;
                filter.Apply(channels, rate);
                var cues = recording.Annotations.Where(a => a.Text is "T1" or "T2").Select(a => new Cue(a.Onset, a.Text == "T1" ? 0 : 1)).ToList();
                runs.Add(CueEpochs.Cut(channels, cues, t => (int)Math.Round(t * rate), rate, 0.5, 4.0, (int)Math.Round(2 * rate), (int)Math.Round(0.5 * rate), 1000 * index));
            }

            subjects.Add(SubjectNormaliser.Subject(id, [("R04", runs[0]), ("R08+R12", [.. runs[1], .. runs[2]])], Channels.Count));
        }

        var samples = (int)Math.Round(2 * rate);
        return new Dataset
        {
            Name = "eegmmidb",
            Classes = Classes,
            SampleRate = rate,
            Model = ModelSpec.MiBmiNet(Channels.Count, samples, 2),
            Subjects = DatasetCatalog.RequireSubjects(subjects, "eegmmidb", directory),
            Preprocessing = string.Create(CultureInfo.InvariantCulture,
                $"EDF+ at {rate:G} Hz, 21 sensorimotor channels (FC5-FC6, C5-C6, CP5-CP6), {filter}; 2-s windows ({samples} samples) every 0.5 s in [cue + 0.5, cue + 4] s; ")
                + "per-window channel mean removed, channels scaled by the subject's R04 RMS",
            SessionMeaning = "later runs R08 + R12 (same visit)",
            DefaultCalibrationTrials = [1, 2, 4, 7],
            Recipe = new TrainingRecipe { PretrainEpochs = 30, CalibrationSteps = 80 },
        };
    }
}
