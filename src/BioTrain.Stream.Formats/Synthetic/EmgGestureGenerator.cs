using BioTrain.Stream.Formats.Xdf;

namespace BioTrain.Stream.Formats.Synthetic;

/// <summary>
/// EMG-like gesture data from an 8-electrode forearm armband. Each gesture activates the muscles under
/// the band with its own pattern around the forearm (a smooth bump per muscle group: flexors, extensors,
/// radial and ulnar side), which sets the envelope of band-limited noise (the EMG interference pattern)
/// on every channel, with cross-talk between neighbours. Subjects differ in band rotation (the classic
/// electrode-shift problem), skin gains, contraction strength, noise and spectral centre.
/// </summary>
public static class EmgGestureGenerator
{
    public static readonly IReadOnlyList<string> Classes =
        ["rest", "fist", "open_hand", "wrist_flexion", "wrist_extension", "radial_deviation", "ulnar_deviation"];

    // Per gesture: muscle groups as (angle around the forearm in electrode units 0..8, width, strength).
    private static readonly Dictionary<string, (double Angle, double Width, double Strength)[]> Patterns = new()
    {
        ["rest"] = [],
        ["fist"] = [(1.5, 1.6, 1.0), (5.2, 1.2, 0.6)],
        ["open_hand"] = [(5.0, 1.5, 0.9), (2.8, 0.8, 0.25)],
        ["wrist_flexion"] = [(1.0, 0.9, 1.0)],
        ["wrist_extension"] = [(4.6, 0.9, 1.0)],
        ["radial_deviation"] = [(3.2, 0.8, 0.8), (4.4, 0.7, 0.35)],
        ["ulnar_deviation"] = [(7.2, 0.8, 0.8), (0.4, 0.7, 0.35)],
    };

    public static SyntheticRecording Generate(ulong seed, int subject, double sampleRate = 1000, int trialsPerClass = 2,
        double trialSeconds = 0.7, double leadIn = 0.3)
    {
        const int channels = 8;
        var name = $"sub-{subject:00}";
        var random = SeededRandom.For(seed, "emg-gestures/" + name);
        var rotation = random.Uniform(-1.5, 1.5);
        var gains = Enumerable.Range(0, channels).Select(_ => Math.Exp(0.4 * random.NextGaussian())).ToArray();
        var strength = random.Uniform(60, 150);
        var noise = random.Uniform(3, 8);
        var centre = Math.Min(random.Uniform(80, 140), sampleRate * 0.3);
        var hum = random.Uniform(1, 5);
        var reaction = random.Uniform(0.1, 0.2);

        var cues = TrialSchedule.Build(Classes, trialsPerClass, leadIn, trialSeconds, random);
        // Each repetition is held with its own force.
        var force = cues.Select(_ => Math.Exp(0.15 * random.NextGaussian())).ToArray();
        var activation = cues.Select(cue => Activation(cue.Label, rotation, channels)).ToArray();
        var sampleCount = (int)Math.Round((leadIn + (cues.Count * trialSeconds)) * sampleRate);
        var filters = Enumerable.Range(0, channels).Select(_ => new BandPass(centre, 0.6, sampleRate)).ToArray();
        var samples = new float[sampleCount * channels];
        Span<double> muscle = stackalloc double[channels];
        for (var n = 0; n < sampleCount; n++)
        {
            var t = n / sampleRate;
            var active = TrialSchedule.ActiveAt(cues, t, trialSeconds);
            var index = active is null ? -1 : (int)Math.Floor((t - cues[0].Time) / trialSeconds);
            var envelope = active is { } trial ? Ramp.Window(trial.Since, reaction, trialSeconds - 0.05, 0.08) : 0;
            for (var c = 0; c < channels; c++)
            {
                var level = index >= 0 ? strength * force[index] * envelope * activation[index][c] : 0;
                muscle[c] = filters[c].Next(random.NextGaussian()) * (level + (0.05 * strength));
            }
            for (var c = 0; c < channels; c++)
            {
                // Volume conduction: each electrode also picks up its neighbours.
                var mixed = (0.7 * muscle[c]) + (0.15 * muscle[(c + 1) % channels]) + (0.15 * muscle[(c + channels - 1) % channels]);
                var value = (gains[c] * mixed) + (noise * random.NextGaussian()) + (hum * Math.Sin(2 * Math.PI * 50 * t));
                samples[(n * channels) + c] = (float)value;
            }
        }
        return new SyntheticRecording
        {
            Modality = "emg-gestures", Subject = name, StreamName = "SynthEMG-Gestures", StreamType = "EMG", SampleRate = sampleRate,
            Channels = Enumerable.Range(1, channels).Select(i => new XdfChannelInfo($"EMG{i}", "microvolts", "EMG")).ToArray(),
            Samples = samples, FirstTimestamp = 2000 + (100 * subject),
            Cues = cues.Select(q => q with { Time = q.Time + 2000 + (100 * subject) }).ToArray(),
            TrialSeconds = trialSeconds, Classes = Classes, Seed = seed,
        };
    }

    /// <summary>Activation of each electrode for a gesture, with the band rotated by <paramref name="rotation"/> electrodes.</summary>
    private static double[] Activation(string gesture, double rotation, int channels)
    {
        var result = new double[channels];
        foreach (var (angle, width, strength) in Patterns[gesture])
        {
            for (var c = 0; c < channels; c++)
            {
                var distance = Math.Abs(((c - rotation - angle) % channels + channels + (channels / 2.0)) % channels - (channels / 2.0));
                result[c] += strength * Math.Exp(-0.5 * distance * distance / (width * width));
            }
        }
        return result;
    }
}
