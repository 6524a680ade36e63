using BioTrain.Stream.Device.Client;

namespace BioTrain.Stream.Device.Tests;

/// <summary>Seeded, learnable windows: each class is a sinusoid of its own frequency plus noise.</summary>
internal static class SyntheticWindows
{
    public static LabelledSample[] Make(int count, int channels, int samples, int classes, int seed)
    {
        var random = new Random(seed);
        var result = new LabelledSample[count];
        for (var n = 0; n < count; n++)
        {
            var label = n % classes;
            var values = new float[channels * samples];
            var frequency = 2.0 + (3.0 * label);
            for (var c = 0; c < channels; c++)
            {
                for (var t = 0; t < samples; t++)
                {
                    values[(c * samples) + t] = (float)(Math.Sin(2 * Math.PI * frequency * t / samples + c) + (0.3 * (random.NextDouble() - 0.5)));
                }
            }

            result[n] = new LabelledSample(values, label);
        }

        return result;
    }
}
