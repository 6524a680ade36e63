using BioTrain.Stream.Device.Client;
using BioTrain.Stream.Device.Protocol.Messages;
using BioTrain.Stream.Experiments.Datasets;

namespace BioTrain.Stream.Experiments;

/// <summary>Trains and evaluates windows on a device through its protocol session: the firmware's own engine does the work.</summary>
public sealed class DeviceTrainer(DeviceSession session)
{
    // Evaluate batches may hold 65535 samples; smaller ones keep a cancelled run responsive.
    private const int EvaluateChunk = 2048;

    public DeviceSession Session { get; } = session;

    /// <summary>Whole passes over <paramref name="data"/>, shuffled each epoch, one optimiser step per batch.</summary>
    public async Task<int> TrainEpochsAsync(IReadOnlyList<Epoch> data, int epochs, int batchSize, Random random, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(random);
        var steps = 0;
        for (var e = 0; e < epochs; e++)
        {
            steps += await TrainStepsAsync(data, (data.Count + batchSize - 1) / batchSize, batchSize, random, cancellationToken).ConfigureAwait(false);
        }

        return steps;
    }

    /// <summary>Exactly <paramref name="steps"/> optimiser steps, drawing batches from reshuffled passes over the data.</summary>
    public async Task<int> TrainStepsAsync(IReadOnlyList<Epoch> data, int steps, int batchSize, Random random, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(random);
        if (data.Count == 0 || steps <= 0)
        {
            return 0;
        }

        var order = Enumerable.Range(0, data.Count).ToArray();
        var next = order.Length;
        var batch = new List<LabelledSample>(batchSize);
        for (var step = 0; step < steps; step++)
        {
            batch.Clear();
            while (batch.Count < Math.Min(batchSize, data.Count))
            {
                if (next == order.Length)
                {
                    random.Shuffle(order);
                    next = 0;
                }

                var epoch = data[order[next++]];
                batch.Add(new LabelledSample(epoch.Values, epoch.Label));
            }

            await Session.TrainBatchAsync(batch, cancellationToken).ConfigureAwait(false);
        }

        return steps;
    }

    /// <summary>Fraction of windows whose arg-max is their label.</summary>
    public async Task<double> AccuracyAsync(IReadOnlyList<Epoch> data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0)
        {
            return double.NaN;
        }

        var correct = 0;
        for (var start = 0; start < data.Count; start += EvaluateChunk)
        {
            var chunk = data.Skip(start).Take(EvaluateChunk).Select(e => new LabelledSample(e.Values, e.Label)).ToList();
            BatchResult result = await Session.EvaluateAsync(chunk, cancellationToken).ConfigureAwait(false);
            correct += result.Correct;
        }

        return (double)correct / data.Count;
    }
}
