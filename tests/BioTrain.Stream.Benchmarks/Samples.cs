using BioTrain.Stream.Models;

namespace BioTrain.Stream.Benchmarks;

/// <summary>Deterministic inputs and models shared by the reference test and the benchmark.</summary>
internal static class Samples
{
    /// <summary>The values bt-model-tool bench trains on: an LCG (state 12345) scaled to [-1, 1).</summary>
    public static float[] BenchInputs(long count)
    {
        var x = new float[count];
        var state = 12345u;
        for (long i = 0; i < count; i++)
        {
            state = unchecked((state * 1664525u) + 1013904223u);
            x[i] = (float)((int)(state >> 8) - (1 << 23)) / (1 << 23);
        }

        return x;
    }

    /// <summary>The model's blob with every weight and bias (norm gamma and beta too) moved by up to +-0.1, so that no parameter sits on a trivial value.</summary>
    public static byte[] Perturbed(ModelDefinition model, int seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        var blob = model.ToBytes();
        var random = new Random(seed);
        var at = ModelFormat.BlobSize(model.Layers.Count, 0) - 4; // the weight section
        foreach (var layer in model.Layers)
        {
            for (var i = 0; i < layer.WeightCount + layer.BiasCount; i++, at += 4)
            {
                var v = BitConverter.ToSingle(blob, at) + (float)((random.NextDouble() * 0.2) - 0.1);
                BitConverter.TryWriteBytes(blob.AsSpan(at), v);
            }

            at += 4 * layer.BufferCount;
        }

        BitConverter.TryWriteBytes(blob.AsSpan(blob.Length - 4), Crc32C.Compute(blob.AsSpan(0, blob.Length - 4)));
        return blob;
    }
}
