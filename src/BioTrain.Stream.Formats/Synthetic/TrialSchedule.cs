namespace BioTrain.Stream.Formats.Synthetic;

/// <summary>Back-to-back cued trials after a lead-in: every class once per block, in a seeded random order.</summary>
internal static class TrialSchedule
{
    public static List<SyntheticCue> Build(IReadOnlyList<string> classes, int trialsPerClass, double leadIn, double trialSeconds, SeededRandom random)
    {
        var cues = new List<SyntheticCue>();
        var time = leadIn;
        for (var block = 0; block < trialsPerClass; block++)
        {
            foreach (var label in random.Shuffle(classes))
            {
                cues.Add(new SyntheticCue(time, label));
                time += trialSeconds;
            }
        }
        return cues;
    }

    /// <summary>The cue active at <paramref name="t"/> (seconds from the start) and the time since it, or null in the lead-in.</summary>
    public static (SyntheticCue Cue, double Since)? ActiveAt(IReadOnlyList<SyntheticCue> cues, double t, double trialSeconds)
    {
        var index = (int)Math.Floor((t - cues[0].Time) / trialSeconds);
        if (index < 0 || index >= cues.Count)
        {
            return null;
        }
        return (cues[index], t - cues[index].Time);
    }
}
