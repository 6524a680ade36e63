using System.Globalization;
using BioTrain.Stream.Experiments.Datasets.Mat;
using BioTrain.Stream.Pipeline.Dsp;

namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>
/// UniBo-INAIL sEMG (Ottobock MyoBock, 4 channels at 500 Hz, posture 1): <c>data/user_U_day_D_posture_1.mat</c>,
/// one file per user and day. The stored signal is already a smooth amplitude envelope (almost all power
/// below 5 Hz), so it is not band-passed but resampled to 100 Hz with the pipeline's polyphase resampler
/// (the daemon's resampling stage), and its level is kept: no per-window mean removal, each channel divided
/// by the user's day-1 RMS level. A trial is one repetition (a gesture, or the rest after one; see
/// <see cref="UniboInailDay.RepetitionsInOrder"/>); a session is one day. Windows of 1 s every 0.25 s lie
/// inside one repetition.
/// </summary>
public static class UniboInailLoader
{
    public const string Folder = "emg-unibo-inail-multiday";
    public const double InputRate = 500;
    public const int Decimation = 5;
    public const double Rate = InputRate / Decimation;
    public const int Window = 100;   // 1 s
    public const int Stride = 25;    // 0.25 s
    public const int Days = 5;

    public static readonly IReadOnlyList<string> Classes = ["rest", "power_grip", "two_finger_pinch", "three_finger_pinch", "pointing_index", "open_hand"];

    /// <summary>The file of one user and day (1-based, as the data set names them).</summary>
    public static string FileName(int user, int day) => string.Create(CultureInfo.InvariantCulture, $"user_{user}_day_{day}_posture_1.mat");

    public static async Task<Dataset> LoadAsync(string directory, CancellationToken cancellationToken)
    {
        var root = Root(directory);
        var subjects = new List<SubjectData>();
        for (var user = 1; user <= 99; user++)
        {
            if (await ReadUserAsync(root, user, cancellationToken).ConfigureAwait(false) is { } days)
            {
                subjects.Add(days.Subject);
            }
        }

        return Describe(DatasetCatalog.RequireSubjects(subjects, "unibo-inail", root));
    }

    /// <summary>
    /// One user's days as the experiment cuts them (the data set holds just that user), with the channel
    /// levels its windows were divided by: a daemon given the same levels (<c>normalize: scale</c>) sees the same values.
    /// </summary>
    public static async Task<(Dataset Dataset, IReadOnlyList<float> ChannelLevels)> LoadUserAsync(string directory, int user, CancellationToken cancellationToken)
    {
        var root = Root(directory);
        var days = await ReadUserAsync(root, user, cancellationToken).ConfigureAwait(false)
            ?? throw new DatasetFormatException($"unibo-inail: no {FileName(user, 1)} in {root}");
        return (Describe([days.Subject]), days.Levels);
    }

    private static string Root(string directory) => DatasetCatalog.RequireDirectory(Path.Combine(directory, Folder, "data"), "unibo-inail");

    /// <summary>The user's days (those whose files exist, from day 1), normalised by day 1's level; null without a day-1 file.</summary>
    private static async Task<(SubjectData Subject, IReadOnlyList<float> Levels)?> ReadUserAsync(string root, int user, CancellationToken cancellationToken)
    {
        var files = Enumerable.Range(1, Days).Select(d => Path.Combine(root, FileName(user, d))).ToList();
        if (!File.Exists(files[0]))
        {
            return null;
        }

        var sessions = new List<(string, List<RawWindow>)>();
        var trial = 0;
        foreach (var (file, day) in files.Select((f, i) => (f, i + 1)).Where(x => File.Exists(x.f)))
        {
            var recording = await ReadDayAsync(file, cancellationToken).ConfigureAwait(false);
            var windows = Cut(recording, trial);
            trial += recording.RepetitionsInOrder().Count;
            sessions.Add((string.Create(CultureInfo.InvariantCulture, $"day-{day}"), windows));
        }

        var normaliser = SubjectNormaliser.Fit(sessions[0].Item2, UniboInailDay.ChannelCount, centre: false);
        return (normaliser.Apply(string.Create(CultureInfo.InvariantCulture, $"user-{user}"), sessions), normaliser.Levels);
    }

    private static Dataset Describe(IReadOnlyList<SubjectData> subjects)
    {
        return new Dataset
        {
            Name = "unibo-inail",
            Classes = Classes,
            SampleRate = Rate,
            Model = ModelSpec.MiBmiNet(UniboInailDay.ChannelCount, Window, Classes.Count),
            Subjects = subjects,
            Preprocessing = "the stored 500 Hz envelope (not raw sEMG) resampled to 100 Hz (polyphase, the pipeline's resampler); trimmed labels ('relabel'); "
                + "a trial is one repetition (a gesture, or the rest after it; the rest before the first movement dropped); 1-s windows (100 samples) every 0.25 s "
                + "inside a repetition; level kept (no mean removal), each channel divided by the user's day-1 RMS level, clipped at +-20",
            SessionMeaning = "acquisition day (electrodes re-placed)",
            DefaultCalibrationTrials = [1, 2, 3],
            Recipe = new TrainingRecipe { PretrainEpochs = 10, CalibrationSteps = 100 },
        };
    }

    /// <summary>One file through the MAT reader; every problem is a <see cref="DatasetFormatException"/> naming the file.</summary>
    public static async Task<UniboInailDay> ReadDayAsync(string file, CancellationToken cancellationToken)
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

        return UniboInailDay.From(arrays, file);
    }

    /// <summary>The day resampled to 100 Hz and cut into windows inside each repetition; trial ids start at <paramref name="firstTrial"/>.</summary>
    public static List<RawWindow> Cut(UniboInailDay day, int firstTrial)
    {
        ArgumentNullException.ThrowIfNull(day);
        return Windowing.Cut(Resampled(day), Segments(day, firstTrial), Window, Stride);
    }

    /// <summary>The day's channels at 100 Hz (the outputs the pipeline's streaming resampler gives, less those needing samples past the end).</summary>
    public static float[][] Resampled(UniboInailDay day)
    {
        ArgumentNullException.ThrowIfNull(day);
        return [.. day.Channels.Select(c => RationalResampler.ResampleWhole(c, 1, Decimation))];
    }

    /// <summary>
    /// The day's repetitions in samples at 100 Hz from the day's start (output sample m sits at input sample 5m,
    /// so a repetition [s, e) covers outputs [ceil(s/5), ceil(e/5))), trial ids from <paramref name="firstTrial"/>.
    /// </summary>
    public static IReadOnlyList<Segment> Segments(UniboInailDay day, int firstTrial)
    {
        ArgumentNullException.ThrowIfNull(day);
        return [.. day.RepetitionsInOrder().Select(r => new Segment(Ceiling(r.Start), Ceiling(r.End), r.Label, firstTrial + r.Trial))];
    }

    private static int Ceiling(int inputSample) => (inputSample + Decimation - 1) / Decimation;
}
