using BioTrain.Stream.Formats.Xdf;

namespace BioTrain.Stream.Formats.Synthetic;

/// <summary>
/// Motor-imagery-like EEG, 8 channels over sensorimotor cortex (250 Hz by default). Three mu/beta sources (left
/// and right hand areas under C3/C4, the foot area under Cz) and an occipital alpha source are mixed
/// into the channels with subject-specific weights, over 1/f-like noise and mains hum. Imagery
/// desynchronises the contralateral source (event-related desynchronisation): left hand lowers the
/// right-hemisphere rhythm (C4), right hand the left (C3), feet the midline (Cz, with a slight rise over
/// the hand areas); rest leaves all rhythms up. Subjects differ in mu frequency, rhythm and noise
/// amplitudes, depth of desynchronisation and mixing, as real ones do.
/// </summary>
public static class MotorImageryGenerator
{
    public const double DefaultSampleRate = 250;
    public static readonly IReadOnlyList<string> Classes = ["left_hand", "right_hand", "feet", "rest"];
    public static readonly IReadOnlyList<string> Labels = ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Pz"];

    // Base lead field: rows are channels (Labels order), columns the sources muLeft, muRight, muMid, alpha.
    private static readonly double[,] LeadField =
    {
        { 0.6, 0.1, 0.3, 0.1 },
        { 0.1, 0.6, 0.3, 0.1 },
        { 1.0, 0.1, 0.25, 0.2 },
        { 0.3, 0.3, 1.0, 0.2 },
        { 0.1, 1.0, 0.25, 0.2 },
        { 0.6, 0.1, 0.3, 0.5 },
        { 0.1, 0.6, 0.3, 0.5 },
        { 0.15, 0.15, 0.2, 1.0 },
    };

    public static SyntheticRecording Generate(ulong seed, int subject, int trialsPerClass = 2, double trialSeconds = 3.0, double leadIn = 0.5,
        double sampleRate = DefaultSampleRate)
    {
        var name = $"sub-{subject:00}";
        var random = SeededRandom.For(seed, "eeg-mi/" + name);
        var channels = Labels.Count;
        const int sources = 4;

        // Subject profile.
        var muFrequency = random.Uniform(9.0, 12.5);
        var betaFrequency = random.Uniform(18, 24);
        var alphaFrequency = random.Uniform(9.5, 11);
        var muAmplitude = random.Uniform(8, 14);
        var alphaAmplitude = random.Uniform(4, 12);
        var noiseAmplitude = random.Uniform(2.5, 5);
        var humAmplitude = random.Uniform(0.5, 3);
        var depth = random.Uniform(0.6, 0.85);
        var mixing = new double[channels, sources];
        for (var c = 0; c < channels; c++)
        {
            for (var s = 0; s < sources; s++)
            {
                mixing[c, s] = Math.Max(0.02, LeadField[c, s] * (1 + (0.35 * random.NextGaussian()))) + (0.1 * random.NextGaussian());
            }
        }
        var channelGain = Enumerable.Range(0, channels).Select(_ => Math.Exp(0.2 * random.NextGaussian())).ToArray();

        var cues = TrialSchedule.Build(Classes, trialsPerClass, leadIn, trialSeconds, random);
        var sampleCount = (int)Math.Round((leadIn + (cues.Count * trialSeconds)) * sampleRate);
        var mu = Enumerable.Range(0, 3).Select(_ => new Resonator(muFrequency, sampleRate, 2.0)).ToArray();
        var beta = Enumerable.Range(0, 3).Select(_ => new Resonator(betaFrequency, sampleRate, 4.0)).ToArray();
        var alpha = new Resonator(alphaFrequency, sampleRate, 1.5);
        var background = Enumerable.Range(0, channels).Select(_ => new PinkishNoise(sampleRate)).ToArray();
        var humPhase = random.Uniform(0, 2 * Math.PI);
        var samples = new float[sampleCount * channels];
        Span<double> source = stackalloc double[sources];
        for (var n = 0; n < sampleCount; n++)
        {
            var t = n / sampleRate;
            var (left, right, mid) = Modulation(TrialSchedule.ActiveAt(cues, t, trialSeconds), depth);
            double[] gains = [left, right, mid];
            for (var s = 0; s < 3; s++)
            {
                source[s] = muAmplitude * gains[s] * (mu[s].Next(random) + (0.4 * beta[s].Next(random)));
            }
            source[3] = alphaAmplitude * alpha.Next(random);
            var hum = humAmplitude * Math.Sin((2 * Math.PI * 50 * t) + humPhase);
            for (var c = 0; c < channels; c++)
            {
                var value = noiseAmplitude * background[c].Next(random);
                for (var s = 0; s < sources; s++)
                {
                    value += mixing[c, s] * source[s];
                }
                samples[(n * channels) + c] = (float)((channelGain[c] * value) + hum);
            }
        }
        return new SyntheticRecording
        {
            Modality = "eeg-mi", Subject = name, StreamName = "SynthEEG-MI", StreamType = "EEG", SampleRate = sampleRate,
            Channels = Labels.Select(l => new XdfChannelInfo(l, "microvolts", "EEG")).ToArray(), Samples = samples,
            FirstTimestamp = 1000 + (100 * subject), Cues = cues.Select(q => q with { Time = q.Time + 1000 + (100 * subject) }).ToArray(),
            TrialSeconds = trialSeconds, Classes = Classes, Seed = seed,
        };
    }

    /// <summary>Gains of the left, right and midline rhythms: desynchronisation starts 0.3 s after the cue and builds over 0.4 s.</summary>
    private static (double Left, double Right, double Mid) Modulation((SyntheticCue Cue, double Since)? active, double depth)
    {
        if (active is not { } trial)
        {
            return (1, 1, 1);
        }
        var erd = 1 - (depth * Ramp.Up(trial.Since, 0.3, 0.4));
        var ers = 1 + (0.15 * Ramp.Up(trial.Since, 0.3, 0.4));
        return trial.Cue.Label switch
        {
            "left_hand" => (ers, erd, 1),
            "right_hand" => (erd, ers, 1),
            "feet" => (ers, ers, erd),
            _ => (1.1, 1.1, 1.1),
        };
    }
}
