using FsCheck;
using FsCheck.Fluent;

namespace BioTrain.Stream.Pipeline.Tests;

/// <summary>Shared generators: ways to cut a stream into chunks, and seeded test signals.</summary>
internal static class Generators
{
    /// <summary>Positive chunk sizes adding up to <paramref name="total"/> (from single samples to the whole).</summary>
    public static Gen<int[]> ChunkSizes(int total) =>
        Gen.Choose(1, 5).SelectMany(scale => Gen.ListOf(Gen.Choose(1, Math.Max(1, total / (scale * 3)))).Select(cuts => Split(total, cuts)));

    private static int[] Split(int total, IEnumerable<int> cuts)
    {
        var sizes = new List<int>();
        var left = total;
        foreach (var cut in cuts)
        {
            if (left == 0)
            {
                break;
            }
            var size = Math.Min(cut, left);
            sizes.Add(size);
            left -= size;
        }
        if (left > 0)
        {
            sizes.Add(left);
        }
        return [.. sizes];
    }

    /// <summary>Seeded noise in [-1, 1) with a slow drift, so filters see both.</summary>
    public static float[] Noise(int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1 + Math.Sin(i * 0.001));
        }
        return values;
    }
}
