using BioTrain.Stream.Models;

namespace BioTrain.Stream.Formats.Synthetic;

/// <summary>
/// The distributions the synthetic recordings draw from, over the project's one seeded generator
/// (<see cref="SplitMix64"/>), so a seed always gives the same recordings on every runtime.
/// </summary>
internal sealed class SeededRandom
{
    private readonly SplitMix64 _source;
    private double? _spareGaussian;

    public SeededRandom(ulong seed)
    {
        _source = new SplitMix64(seed);
    }

    /// <summary>A generator for a named part (subject, modality) that does not depend on how much the parent drew.</summary>
    public static SeededRandom For(ulong seed, string part)
    {
        var hash = 1469598103934665603UL;
        foreach (var c in part)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }
        return new SeededRandom(seed ^ hash);
    }

    public ulong NextUInt64() => _source.Next();

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => _source.NextDouble();

    public double Uniform(double low, double high) => low + ((high - low) * NextDouble());

    public int Next(int exclusiveMax) => (int)(NextDouble() * exclusiveMax);

    /// <summary>Standard normal (Box-Muller, the spare value kept for the next call).</summary>
    public double NextGaussian()
    {
        if (_spareGaussian is { } spare)
        {
            _spareGaussian = null;
            return spare;
        }
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        var radius = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareGaussian = radius * Math.Sin(2 * Math.PI * u2);
        return radius * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>A random permutation of <paramref name="items"/> (Fisher-Yates).</summary>
    public T[] Shuffle<T>(IEnumerable<T> items)
    {
        var array = items.ToArray();
        for (var i = array.Length - 1; i > 0; i--)
        {
            var j = Next(i + 1);
            (array[i], array[j]) = (array[j], array[i]);
        }
        return array;
    }
}
