using BioTrain.Stream.Device.Protocol.Messages;
using BioTrain.Stream.Models;

namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>What <see cref="SubjectShiftGenerator"/> makes.</summary>
public sealed record SubjectShiftOptions
{
    public int SourceSubjects { get; init; } = 4;

    public int TargetSubjects { get; init; } = 2;

    public int TrialsPerClass { get; init; } = 16;

    public int Sessions { get; init; } = 2;

    public ulong Seed { get; init; } = 8;

    /// <summary>Interference on channels 4-7, in units of the background noise.</summary>
    public double Interference { get; init; } = 1.5;

    /// <summary>The target's weak copy of its rhythm on the neighbouring source channel, relative to the rhythm.</summary>
    public double Residue { get; init; } = 0.25;
}

/// <summary>
/// A data set built so that full fine-tuning must beat last-layer calibration, which must beat no adaptation:
/// an electrode shift that only the first (spatial) layer can undo.
/// <list type="bullet">
/// <item>Every subject: 8 channels at 128 Hz, 1-s trials, white noise on every channel and a strong interference
/// (1.5 times the noise) on channels 4-7, so a network pretrained on the source subjects learns spatial filters
/// that suppress channels 4-7.</item>
/// <item>Source subjects: class k is a 10-14 Hz rhythm on channel k (k = 0..3).</item>
/// <item>Target subjects (the band moved): class k's rhythm is on channel 4 + k, under the interference the
/// pretrained filters suppress, with a weak residue (0.25 of it) on channel (k + 1) mod 4.</item>
/// </list>
/// Unadapted, the model reads the residue as the neighbouring class (below chance). A new head can re-map the
/// residue (better than none) but cannot reach the strong copy, which the frozen spatial filters attenuate;
/// only training the spatial layer can (best).
/// </summary>
public static class SubjectShiftGenerator
{
    public const int Channels = 8;
    public const int Samples = 128;
    public const double Rate = 128;
    public static readonly IReadOnlyList<string> Classes = ["class0", "class1", "class2", "class3"];

    public static Dataset Generate(SubjectShiftOptions? options = null)
    {
        options ??= new SubjectShiftOptions();
        var subjects = new List<SubjectData>();
        for (var s = 0; s < options.SourceSubjects + options.TargetSubjects; s++)
        {
            var target = s >= options.SourceSubjects;
            var id = target ? $"target-{s - options.SourceSubjects + 1}" : $"source-{s + 1}";
            var random = new SplitMix64(options.Seed * 1000 + (ulong)s);
            var gains = Enumerable.Range(0, Channels).Select(_ => Math.Exp(0.2 * Gaussian(random))).ToArray();
            var sessions = new List<(string, List<RawWindow>)>();
            var trial = 0;
            for (var session = 0; session < options.Sessions; session++)
            {
                var windows = new List<RawWindow>();
                for (var repetition = 0; repetition < options.TrialsPerClass; repetition++)
                {
                    foreach (var label in Enumerable.Range(0, Classes.Count).OrderBy(_ => random.Next()))
                    {
                        windows.Add(new RawWindow(Trial(label, target, gains, options, random), label, trial++));
                    }
                }

                sessions.Add(($"session-{session + 1}", windows));
            }

            subjects.Add(SubjectNormaliser.Subject(id, sessions, Channels, target ? SubjectRole.TargetOnly : SubjectRole.SourceOnly));
        }

        return new Dataset
        {
            Name = "synthetic-shift",
            Classes = Classes,
            SampleRate = Rate,
            Model = new ModelSpec("mi-bminet", new ZooOptions { Channels = Channels, Samples = Samples, Classes = Classes.Count, F1 = 4, D = 1, F2 = 8 }),
            Subjects = subjects,
            Preprocessing = "generated in memory (no files): 8 ch x 128 samples at 128 Hz, one window per 1-s trial; per-window channel mean removed, "
                + "channels scaled by the subject's first-session RMS",
            SessionMeaning = "generated session",
            DefaultCalibrationTrials = [4, 12],
            Recipe = new TrainingRecipe { NormMode = NormMode.Group, CalibrationNormMode = null, PretrainEpochs = 12, CalibrationSteps = 100, PretrainLearningRate = 0.005f, CalibrationLearningRate = 0.01f, LastLayerLearningRate = 0.01f },
        };
    }

    private static float[] Trial(int label, bool target, double[] gains, SubjectShiftOptions options, SplitMix64 random)
    {
        const double noise = 1, amplitude = 3;
        var interference = options.Interference;
        var values = new float[Channels * Samples];
        var frequency = 10 + (4 * random.NextDouble());
        var phase = 2 * Math.PI * random.NextDouble();
        var (strong, weak, weakAmplitude) = target ? (4 + label, (label + 1) % 4, options.Residue * amplitude) : (label, -1, 0.0);
        for (var c = 0; c < Channels; c++)
        {
            var level = noise + (c >= 4 ? interference : 0);
            var rhythm = c == strong ? amplitude : c == weak ? weakAmplitude : 0;
            for (var t = 0; t < Samples; t++)
            {
                var v = (level * Gaussian(random)) + (rhythm * Math.Sin((2 * Math.PI * frequency * t / Rate) + phase));
                values[(c * Samples) + t] = (float)(gains[c] * v);
            }
        }

        return values;
    }

    /// <summary>Standard normal (Box-Muller; one of the pair is dropped, which keeps the generated set as it was published).</summary>
    private static double Gaussian(SplitMix64 random) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
