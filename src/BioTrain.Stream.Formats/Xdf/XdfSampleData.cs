using System.Globalization;

namespace BioTrain.Stream.Formats.Xdf;

/// <summary>
/// The values of one stream, interleaved sample-major (sample 0 channel 0, sample 0 channel 1, ...),
/// held in an array of the stream's own format so nothing is lost (int64 stays int64).
/// </summary>
public sealed class XdfSampleData
{
    private readonly Array _values;

    internal XdfSampleData(XdfChannelFormat format, int channelCount, int sampleCount, Array values)
    {
        Format = format;
        ChannelCount = channelCount;
        SampleCount = sampleCount;
        _values = values;
    }

    public XdfChannelFormat Format { get; }
    public int ChannelCount { get; }
    public int SampleCount { get; }

    /// <summary>All numeric values as the stream's CLR type (float, double, sbyte, short, int, long).</summary>
    public T[] GetValues<T>() where T : unmanaged =>
        _values as T[] ?? throw new InvalidOperationException(
            $"stream values are {Format.ToXdfName()}, not {typeof(T).Name}");

    /// <summary>All values of a string stream.</summary>
    public string[] GetStrings() =>
        _values as string[] ?? throw new InvalidOperationException($"stream values are {Format.ToXdfName()}, not string");

    /// <summary>One sample's values of a numeric stream.</summary>
    public ReadOnlySpan<T> GetSample<T>(int sample) where T : unmanaged =>
        GetValues<T>().AsSpan(sample * ChannelCount, ChannelCount);

    /// <summary>One value as double (strings are parsed, NaN when they are not numbers); convenient, not fast.</summary>
    public double GetDouble(int sample, int channel)
    {
        var index = (sample * ChannelCount) + channel;
        return _values switch
        {
            float[] f => f[index],
            double[] d => d[index],
            sbyte[] b => b[index],
            short[] s => s[index],
            int[] i => i[index],
            long[] l => l[index],
            string[] t => double.TryParse(t[index], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN,
            _ => double.NaN,
        };
    }

    /// <summary>One string value (numbers formatted invariantly).</summary>
    public string GetString(int sample, int channel)
    {
        var index = (sample * ChannelCount) + channel;
        return _values is string[] strings ? strings[index] : GetDouble(sample, channel).ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>All values converted to float32, interleaved (numeric streams only).</summary>
    public float[] ToFloat32()
    {
        if (_values is float[] same)
        {
            return same;
        }
        var result = new float[SampleCount * ChannelCount];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = (float)GetDouble(i / Math.Max(ChannelCount, 1), i % Math.Max(ChannelCount, 1));
        }
        return result;
    }
}
