namespace BioTrain.Stream.Models;

/// <summary>
/// The seeded random source of weight initialisation (MODEL.md section 4). Small and exact in every
/// language, so a seed gives the same weights in C# and in the firmware's C builders. It is the
/// project's one seeded generator: the synthetic recordings and generated data sets draw from it
/// too, so their sequences are fixed on every runtime (System.Random's algorithm is not).
/// </summary>
public sealed class SplitMix64
{
    private ulong _state;

    public SplitMix64(ulong seed) => _state = seed;

    public ulong Next()
    {
        _state += 0x9E3779B97F4A7C15UL;
        var z = _state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1): the top 53 bits.</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [-bound, bound): 24 random bits to [-1, 1) exactly, then one binary32 rounding.</summary>
    public float NextUniform(float bound)
    {
        var u = (float)(uint)(Next() >> 40) * (1.0f / 8388608.0f) - 1.0f;
        return u * bound;
    }
}
