namespace BioTrain.Stream.Device.Client;

/// <summary>The orders in which training visits its samples: the one batching of the daemon, the demo and the experiments.</summary>
public static class ShuffledBatches
{
    /// <summary>Batches epoch after epoch, each epoch in a new seeded order; the last batch of an epoch may be short.</summary>
    public static IEnumerable<T[]> Of<T>(IReadOnlyList<T> samples, int epochs, int batchSize, int seed)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var order = samples.ToArray();
        var random = new Random(seed);
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            random.Shuffle(order);
            foreach (var batch in order.Chunk(batchSize))
            {
                yield return batch;
            }
        }
    }

    /// <summary>
    /// Exactly <paramref name="steps"/> full batches (of min(batch size, sample count)) drawn from reshuffled
    /// passes over the samples: a fixed optimiser budget whatever the data size, as calibration runs need.
    /// </summary>
    public static IEnumerable<T[]> Steps<T>(IReadOnlyList<T> samples, int steps, int batchSize, Random random)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (samples.Count == 0)
        {
            yield break;
        }

        var order = Enumerable.Range(0, samples.Count).ToArray();
        var next = order.Length;
        var size = Math.Min(batchSize, samples.Count);
        for (var step = 0; step < steps; step++)
        {
            var batch = new T[size];
            for (var i = 0; i < size; i++)
            {
                if (next == order.Length)
                {
                    random.Shuffle(order);
                    next = 0;
                }

                batch[i] = samples[order[next++]];
            }

            yield return batch;
        }
    }
}
