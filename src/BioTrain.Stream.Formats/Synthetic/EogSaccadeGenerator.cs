using BioTrain.Stream.Formats.Xdf;

namespace BioTrain.Stream.Formats.Synthetic;

/// <summary>
/// EOG-like saccade data: horizontal and vertical channels, 11 classes (fixation, saccades in 8
/// directions, blink, double blink). The EOG follows gaze angle (microvolts per degree), a saccade is a
/// fast sigmoid step out and back after a fixation, and a blink is a large vertical pulse. Subjects differ
/// in sensitivity, electrode cross-talk between H and V, blink size, reaction time, drift and noise.
/// </summary>
public static class EogSaccadeGenerator
{
    public static readonly IReadOnlyList<string> Classes =
    [
        "fixation", "saccade_left", "saccade_right", "saccade_up", "saccade_down",
        "saccade_up_left", "saccade_up_right", "saccade_down_left", "saccade_down_right", "blink", "double_blink",
    ];

    public static SyntheticRecording Generate(ulong seed, int subject, double sampleRate = 250, int trialsPerClass = 2,
        double trialSeconds = 1.0, double leadIn = 0.5)
    {
        var name = $"sub-{subject:00}";
        var random = SeededRandom.For(seed, "eog-saccades/" + name);
        var sensitivityH = random.Uniform(12, 20);
        var sensitivityV = random.Uniform(9, 16);
        var crossTalk = random.Uniform(-0.2, 0.2);
        var blinkSize = random.Uniform(180, 380);
        var blinkWidth = random.Uniform(0.04, 0.07);
        var reaction = random.Uniform(0.15, 0.3);
        var noise = random.Uniform(3, 8);
        var driftRate = random.Uniform(2, 8);

        var cues = TrialSchedule.Build(Classes, trialsPerClass, leadIn, trialSeconds, random);
        var amplitude = cues.Select(_ => random.Uniform(10, 20)).ToArray();
        var sampleCount = (int)Math.Round((leadIn + (cues.Count * trialSeconds)) * sampleRate);
        var samples = new float[sampleCount * 2];
        double driftH = 0, driftV = 0;
        var driftStep = driftRate / Math.Sqrt(sampleRate);
        for (var n = 0; n < sampleCount; n++)
        {
            var t = n / sampleRate;
            double gazeH = 0, gazeV = 0, blink = 0;
            if (TrialSchedule.ActiveAt(cues, t, trialSeconds) is { } trial)
            {
                var index = (int)Math.Floor((t - cues[0].Time) / trialSeconds);
                var (dx, dy) = Direction(trial.Cue.Label);
                // Out at the reaction time, back 0.45 s later; each saccade takes about 40 ms.
                var position = Sigmoid(trial.Since - reaction) - Sigmoid(trial.Since - reaction - 0.45);
                gazeH = amplitude[index] * dx * position;
                gazeV = amplitude[index] * dy * position;
                if (trial.Cue.Label is "blink" or "double_blink")
                {
                    blink = Pulse(trial.Since - reaction - 0.05, blinkWidth);
                }
                if (trial.Cue.Label == "double_blink")
                {
                    blink += 0.9 * Pulse(trial.Since - reaction - 0.33, blinkWidth);
                }
            }
            driftH += driftStep * random.NextGaussian();
            driftV += driftStep * random.NextGaussian();
            // Keep the wander bounded like a high-passed amplifier would.
            driftH *= 0.999;
            driftV *= 0.999;
            var h = (sensitivityH * gazeH) + (crossTalk * sensitivityV * gazeV) + (0.08 * blinkSize * blink) + driftH + (noise * random.NextGaussian());
            var v = (sensitivityV * gazeV) + (crossTalk * sensitivityH * gazeH) + (blinkSize * blink) + driftV + (noise * random.NextGaussian());
            samples[2 * n] = (float)h;
            samples[(2 * n) + 1] = (float)v;
        }
        return new SyntheticRecording
        {
            Modality = "eog-saccades", Subject = name, StreamName = "SynthEOG-Saccades", StreamType = "EOG", SampleRate = sampleRate,
            Channels = [new XdfChannelInfo("EOG-H", "microvolts", "EOG"), new XdfChannelInfo("EOG-V", "microvolts", "EOG")],
            Samples = samples, FirstTimestamp = 3000 + (100 * subject),
            Cues = cues.Select(q => q with { Time = q.Time + 3000 + (100 * subject) }).ToArray(),
            TrialSeconds = trialSeconds, Classes = Classes, Seed = seed,
        };
    }

    /// <summary>Gaze direction of a class (right and up positive; diagonals at 45°, same amplitude).</summary>
    private static (double X, double Y) Direction(string label)
    {
        const double d = 0.7071;
        return label switch
        {
            "saccade_left" => (-1, 0),
            "saccade_right" => (1, 0),
            "saccade_up" => (0, 1),
            "saccade_down" => (0, -1),
            "saccade_up_left" => (-d, d),
            "saccade_up_right" => (d, d),
            "saccade_down_left" => (-d, -d),
            "saccade_down_right" => (d, -d),
            _ => (0, 0),
        };
    }

    private static double Sigmoid(double t) => 1 / (1 + Math.Exp(-t / 0.008));

    private static double Pulse(double t, double width) => Math.Exp(-0.5 * t * t / (width * width));
}
