namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>SplitMix64 with a Gaussian: generated data sets stay the same for a seed on every runtime.</summary>
internal sealed class SplitMix(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double Uniform() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal (Box-Muller; one of the pair is dropped, which keeps the state simple).</summary>
    public double Gaussian() => Math.Sqrt(-2.0 * Math.Log(1.0 - Uniform())) * Math.Cos(2 * Math.PI * Uniform());
}
