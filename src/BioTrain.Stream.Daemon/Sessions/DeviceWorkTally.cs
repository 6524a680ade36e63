using BioTrain.Stream.Device.Protocol.Messages;
using BioTrain.Stream.Device.Scheduling;

namespace BioTrain.Stream.Daemon.Sessions;

/// <summary>Running totals of what a session's device did: training samples and predictions, their MACs and instructions.</summary>
public sealed class DeviceWorkTally
{
    private long _trainingSamples;
    private long _trainingMacs;
    private long _trainingInstructions;
    private long _predictions;
    private long _predictionMacs;
    private long _predictionInstructions;
    private long _trainingSampleTicks;
    private long _longestSampleTicks;

    public long TrainingSamples => Interlocked.Read(ref _trainingSamples);

    /// <summary>Multiply-accumulates of training (forward, backward and steps), as the device counts them.</summary>
    public long TrainingMacs => Interlocked.Read(ref _trainingMacs);

    /// <summary>Instructions the device retired training (the virtual GAP9 counts them; 0 elsewhere).</summary>
    public long TrainingInstructions => Interlocked.Read(ref _trainingInstructions);

    /// <summary>Time the device took for training samples (their SAMPLE requests), without the predictions between them.</summary>
    public TimeSpan TrainingSampleTime => TimeSpan.FromTicks(Interlocked.Read(ref _trainingSampleTicks));

    public long Predictions => Interlocked.Read(ref _predictions);

    public long PredictionMacs => Interlocked.Read(ref _predictionMacs);

    public long PredictionInstructions => Interlocked.Read(ref _predictionInstructions);

    public void Trained(BatchResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Mode != BatchMode.Train)
        {
            return;
        }

        Interlocked.Add(ref _trainingSamples, result.Count);
        Interlocked.Add(ref _trainingMacs, (long)result.Macs);
        Interlocked.Add(ref _trainingInstructions, (long)result.Instructions);
    }

    /// <summary>The longest training sample (its SAMPLE requests) so far.</summary>
    public TimeSpan LongestTrainingSample => TimeSpan.FromTicks(Interlocked.Read(ref _longestSampleTicks));

    public void SampleTime(TrainRound round)
    {
        ArgumentNullException.ThrowIfNull(round);
        Interlocked.Add(ref _trainingSampleTicks, TimeSpan.FromSeconds(round.SampleSeconds).Ticks);
        var longest = TimeSpan.FromSeconds(round.LongestSampleSeconds).Ticks;
        long seen;
        while (longest > (seen = Interlocked.Read(ref _longestSampleTicks)) && Interlocked.CompareExchange(ref _longestSampleTicks, longest, seen) != seen)
        {
        }
    }

    public void Predicted(PredictionReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        Interlocked.Increment(ref _predictions);
        Interlocked.Add(ref _predictionMacs, (long)reply.Macs);
        Interlocked.Add(ref _predictionInstructions, (long)reply.Instructions);
    }
}
