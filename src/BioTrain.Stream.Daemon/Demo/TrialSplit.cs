using BioTrain.Stream.Device.Client;

namespace BioTrain.Stream.Daemon.Demo;

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
}
