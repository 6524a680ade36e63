using System.Diagnostics;
using BioTrain.Stream.Daemon.Metrics;
using BioTrain.Stream.Device.Client;
using BioTrain.Stream.Device.Protocol.Messages;

namespace BioTrain.Stream.Daemon.Sessions;

/// <summary>What one training round did.</summary>
internal sealed record TrainRound(int Samples, int Batches, double Seconds, double FinalLoss, ulong Instructions, double EstimatedEnergyJoules);

/// <summary>
/// Training and evaluation rounds on the session's device: epochs of shuffled batches, held-out
/// accuracy, device figures into the metrics. Holds the device lock for a whole round, so
/// inference windows wait (and the bounded queue drops the oldest) rather than interleave.
/// </summary>
internal sealed class DeviceTrainer
{
    private const int EvaluateBatch = 64;
    private readonly ResilientDevice _device;
    private readonly SemaphoreSlim _deviceLock;
    private readonly DaemonMetrics _metrics;
    private readonly string _session;

    public DeviceTrainer(ResilientDevice device, SemaphoreSlim deviceLock, DaemonMetrics metrics, string session)
    {
        _device = device;
        _deviceLock = deviceLock;
        _metrics = metrics;
        _session = session;
    }

    /// <summary>Share of samples whose predicted class is their label; null for an empty set.</summary>
    public async Task<double?> AccuracyAsync(IReadOnlyList<LabelledSample> samples, CancellationToken cancellationToken)
    {
        if (samples.Count == 0)
        {
            return null;
        }

        var correct = 0;
        await _deviceLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var batch in samples.Chunk(EvaluateBatch))
            {
                var result = await _device.EvaluateAsync(batch, cancellationToken).ConfigureAwait(false);
                correct += result.Correct;
                Account(result);
            }
        }
        finally
        {
            _deviceLock.Release();
        }

        return (double)correct / samples.Count;
    }

    public async Task<TrainRound> TrainAsync(IReadOnlyList<LabelledSample> samples, int epochs, int batchSize, int seed, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var batches = 0;
        var trained = 0;
        var loss = double.NaN;
        ulong instructions = 0;
        double energy = 0;
        await _deviceLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var batch in ShuffledBatches.Of(samples, epochs, batchSize, seed))
            {
                var result = await _device.TrainBatchAsync(batch, cancellationToken).ConfigureAwait(false);
                batches++;
                trained += batch.Length;
                loss = result.LossMean;
                instructions += result.Instructions;
                energy += result.EstimatedEnergyMicrojoules / 1e6;
                Account(result);
                _metrics.TrainingSamples.WithLabels(_session).Inc(batch.Length);
            }
        }
        finally
        {
            _deviceLock.Release();
        }

        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (seconds > 0)
        {
            _metrics.TrainingRate.WithLabels(_session).Set(trained / seconds);
        }

        return new TrainRound(trained, batches, seconds, loss, instructions, energy);
    }

    private void Account(BatchResult result)
    {
        _metrics.DeviceInstructions.WithLabels(_session).Inc(result.Instructions);
        var joules = result.EstimatedEnergyMicrojoules / 1e6;
        // BATCH_RESULT carries estimate model E1 (SPEC.md 8); the label says so.
        _metrics.DeviceEnergy.WithLabels(_session, "estimated", "E1").Inc(joules);
        var seconds = result.EstimatedCycles / Device.Diagnostics.Gap9Estimate.ClockHz;
        if (seconds > 0)
        {
            _metrics.DevicePower.WithLabels(_session, "estimated", "E1").Set(joules / seconds);
        }
    }
}
