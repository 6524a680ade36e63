namespace BioTrain.Stream.Device.Client;

/// <summary>Training batches epoch after epoch, each epoch in a new seeded order; the last batch of an epoch may be short.</summary>
public static class ShuffledBatches
{
    public static IEnumerable<LabelledSample[]> Of(IReadOnlyList<LabelledSample> samples, int epochs, int batchSize, int seed)
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
}
