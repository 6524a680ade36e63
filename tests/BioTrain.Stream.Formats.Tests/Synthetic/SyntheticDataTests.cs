using BioTrain.Stream.Formats.Synthetic;
using BioTrain.Stream.Formats.Tests.Support;
using BioTrain.Stream.Formats.Xdf;
using Xunit.Abstractions;

namespace BioTrain.Stream.Formats.Tests.Synthetic;

/// <summary>
/// The generated recordings carry their classes in the signal (a band-power or envelope nearest-centroid
/// classifier, trained on one repetition and tested on the other, is far above chance) and subjects differ
/// (the same classifier trained on another subject does worse).
/// </summary>
public class SyntheticDataTests(ITestOutputHelper output)
{
    private static readonly ReplayDataOptions Defaults = new();
    private static readonly int[] SensorimotorChannels = [2, 3, 4]; // C3, Cz, C4
    private static readonly SyntheticRecording[] Recordings = ReplayDataGenerator.Recordings(Defaults).ToArray();

    [Theory]
    [InlineData("eeg-mi", 0.7)]
    [InlineData("emg-gestures", 0.8)]
    [InlineData("eog-saccades", 0.8)]
    public void Classes_are_learnable_within_a_subject_and_shift_across_subjects(string modality, double minimumAccuracy)
    {
        var subjects = Recordings.Where(r => r.Modality == modality).ToArray();
        Assert.Equal(3, subjects.Length);
        var features = subjects.Select(Features).ToArray();
        var within = new List<double>();
        var across = new List<double>();
        for (var s = 0; s < subjects.Length; s++)
        {
            var first = features[s].Where(f => f.Repetition == 0).Select(f => (f.Label, f.Values)).ToList();
            var second = features[s].Where(f => f.Repetition == 1).Select(f => (f.Label, f.Values)).ToList();
            within.Add((NearestCentroid.Fit(first).Accuracy(second) + NearestCentroid.Fit(second).Accuracy(first)) / 2);
            var model = NearestCentroid.Fit(features[s].Select(f => (f.Label, f.Values)).ToList());
            for (var other = 0; other < subjects.Length; other++)
            {
                if (other != s)
                {
                    across.Add(model.Accuracy(features[other].Select(f => (f.Label, f.Values)).ToList()));
                }
            }
        }
        var chance = 1.0 / subjects[0].Classes.Count;
        output.WriteLine($"{modality}: within-subject {string.Join(", ", within.Select(a => a.ToString("F2", null)))}; across-subject mean {across.Average():F2}; chance {chance:F2}");
        Assert.True(within.Min() >= minimumAccuracy, $"{modality}: within-subject accuracies {string.Join(", ", within.Select(a => a.ToString("F2", null)))} (chance {chance:F2})");
        Assert.True(across.Average() < within.Average() - 0.1, $"{modality}: across {across.Average():F2} vs within {within.Average():F2}");
    }

    [Fact]
    public void Same_seed_gives_the_same_bytes_and_another_seed_does_not()
    {
        static byte[] Bytes(SyntheticRecording r)
        {
            using var memory = new MemoryStream();
            r.WriteXdf(memory);
            return memory.ToArray();
        }
        var again = EogSaccadeGenerator.Generate(ReplayDataGenerator.DefaultSeed, 2);
        var shipped = Recordings.Single(r => r.Modality == "eog-saccades" && r.Subject == "sub-02");
        Assert.Equal(Bytes(shipped), Bytes(again));
        Assert.NotEqual(Bytes(shipped), Bytes(EogSaccadeGenerator.Generate(ReplayDataGenerator.DefaultSeed + 1, 2)));
    }

    [Fact]
    public void Default_files_fit_the_size_budget_and_have_every_class_in_every_subject()
    {
        long total = 0;
        foreach (var recording in Recordings)
        {
            using var memory = new MemoryStream();
            recording.WriteXdf(memory);
            total += memory.Length;
            Assert.Equal(recording.Classes.Order(StringComparer.Ordinal), recording.Cues.Select(c => c.Label).Distinct().Order(StringComparer.Ordinal));
        }
        output.WriteLine($"{total} bytes in {Recordings.Length} files");
        Assert.True(total < 2 * 1024 * 1024, $"{total} bytes");
    }

    private sealed record Example(string Label, int Repetition, double[] Values);

    /// <summary>Per trial (EEG: per 0.5-s window of it) the features a simple classifier would use.</summary>
    private static List<Example> Features(SyntheticRecording recording)
    {
        var examples = new List<Example>();
        var seen = new Dictionary<string, int>();
        foreach (var cue in recording.Cues)
        {
            var repetition = seen[cue.Label] = seen.GetValueOrDefault(cue.Label, -1) + 1;
            var start = (int)Math.Round((cue.Time - recording.FirstTimestamp) * recording.SampleRate);
            switch (recording.Modality)
            {
                case "eeg-mi":
                    // Log band power (8-30 Hz) of C3, Cz, C4 in 0.5-s windows from 0.7 s after the cue.
                    for (var w = 0; w < 2; w++)
                    {
                        var from = start + (int)((0.7 + (w * 0.5)) * recording.SampleRate);
                        examples.Add(new Example(cue.Label, repetition, SensorimotorChannels.Select(c => Math.Log(BandPower(recording, c, from, (int)(0.5 * recording.SampleRate)))).ToArray()));
                    }
                    break;
                case "emg-gestures":
                    // Log RMS of every channel while the gesture is held.
                    var emgFrom = start + (int)(0.3 * recording.SampleRate);
                    var emgLength = (int)(0.3 * recording.SampleRate);
                    examples.Add(new Example(cue.Label, repetition, Enumerable.Range(0, 8).Select(c => Math.Log(Rms(recording, c, emgFrom, emgLength))).ToArray()));
                    break;
                default:
                    // Mean H and V during the excursion, and the V peaks where the first and second blink fall.
                    double Mean(int c, double a, double b) => Enumerable.Range(start + (int)(a * recording.SampleRate), (int)((b - a) * recording.SampleRate))
                        .Average(n => recording.Samples[(n * 2) + c]);
                    double Peak(double a, double b) => Enumerable.Range(start + (int)(a * recording.SampleRate), (int)((b - a) * recording.SampleRate))
                        .Max(n => recording.Samples[(n * 2) + 1]);
                    var baseH = Mean(0, 0, 0.1);
                    var baseV = Mean(1, 0, 0.1);
                    examples.Add(new Example(cue.Label, repetition, [Mean(0, 0.4, 0.6) - baseH, Mean(1, 0.4, 0.6) - baseV, Peak(0.15, 0.4) - baseV, Peak(0.45, 0.75) - baseV]));
                    break;
            }
        }
        return examples;
    }

    private static double Rms(SyntheticRecording r, int channel, int from, int length)
    {
        var channels = r.Channels.Count;
        return Math.Sqrt(Enumerable.Range(from, length).Average(n => Math.Pow(r.Samples[(n * channels) + channel], 2)));
    }

    /// <summary>Power after a crude 8-30 Hz band-pass: difference of two moving averages.</summary>
    private static double BandPower(SyntheticRecording r, int channel, int from, int length)
    {
        var channels = r.Channels.Count;
        double Average(int n, int width) => Enumerable.Range(n - width, width).Average(k => r.Samples[(k * channels) + channel]);
        var shortWidth = (int)(r.SampleRate / 40);
        var longWidth = (int)(r.SampleRate / 8);
        return Enumerable.Range(from, length).Average(n => Math.Pow(Average(n, shortWidth) - Average(n, longWidth), 2));
    }
}
