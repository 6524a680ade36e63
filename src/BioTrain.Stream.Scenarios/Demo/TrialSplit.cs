using BioTrain.Stream.Device.Client;
using BioTrain.Stream.Recording;

namespace BioTrain.Stream.Scenarios.Demo;

/// <summary>
/// Splits a recording's epochs (in cue order, <c>crops</c> per trial) as a session calibrating with
/// N trials per class does: the trials up to the one that completes every class are calibration,
/// the rest are test.
/// </summary>
internal sealed record TrialSplit(int CalibrationTrials, int TestTrials, IReadOnlyList<LabelledSample> Test)
{
    public static TrialSplit After(IReadOnlyList<LabelledSample> epochs, int crops, int classes, int perClass)
    {
        var trials = epochs.Count / crops;
        var counts = new int[classes];
        var calibration = trials;
        for (var t = 0; t < trials; t++)
        {
            counts[epochs[t * crops].Label]++;
            if (counts.All(c => c >= perClass))
            {
                calibration = t + 1;
                break;
            }
        }

        return new TrialSplit(calibration, trials - calibration, [.. epochs.Skip(calibration * crops)]);
    }

    /// <summary>The same split with at most <paramref name="testTrials"/> test trials (null: all).</summary>
    public TrialSplit Keep(int? testTrials, int crops) => testTrials is { } n && n < TestTrials
        ? new TrialSplit(CalibrationTrials, n, [.. Test.Take(n * crops)])
        : this;

    /// <summary>The recording up to the cue of trial <paramref name="trials"/> + 1 (whole when it has no more trials).</summary>
    public static ReplayRecording UntilCue(ReplayRecording recording, IReadOnlyCollection<string> classes, int trials)
    {
        foreach (var stream in recording.Streams.Where(s => s.Info.ChannelCount == 1 && s.Info.ChannelFormat == Formats.Xdf.XdfChannelFormat.String))
        {
            var values = stream.GetStrings();
            var cues = 0;
            for (var i = 0; i < values.Length; i++)
            {
                if (classes.Contains(values[i]) && ++cues == trials + 1)
                {
                    return recording.Slice(0, stream.Timestamps[i] - recording.StartTime);
                }
            }
        }

        return recording;
    }
}
