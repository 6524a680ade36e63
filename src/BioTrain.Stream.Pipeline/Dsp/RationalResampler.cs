using System.Numerics;

namespace BioTrain.Stream.Pipeline.Dsp;

/// <summary>
/// Streaming polyphase resampling by up/down (e.g. 1000 -> 250 Hz is 1/4, 1000 -> 256 is 32/125)
/// for several channels, with the anti-aliasing filter of scipy.signal.resample_poly (Kaiser, beta 5,
/// 20 x max(up, down) + 1 taps, cut-off at the lower Nyquist). Output sample m sits exactly at input
/// position m x down / up: the filter's delay is compensated by waiting for the samples it needs, so
/// outputs come half a filter (10 x max(up, down) / up input samples) after their input, and their
/// timestamps are interpolated from the input's. Fed a whole signal, the outputs equal resample_poly's
/// (less the last few, which would need samples after the end).
/// </summary>
/// <remarks>Allocates only in the constructor; not thread-safe.</remarks>
public sealed class RationalResampler
{
    private readonly double[][] _phases; // phase p: taps h[p + up*i], i = 0..
    private readonly double[][] _reversed; // the same, oldest sample's tap first
    private readonly int _halfLength;
    private readonly int _ring; // history length per channel; stored twice so any window is contiguous
    private readonly float[] _history; // [channel * 2 * ring + position]
    private readonly double[] _times; // 2 * ring
    private long _inputCount; // samples since the last reset
    private long _nextOutput; // index of the next output sample

    public RationalResampler(int up, int down, int channelCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(up, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(down, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(channelCount, 1);
        var g = Gcd(up, down);
        Up = up / g;
        Down = down / g;
        ChannelCount = channelCount;

        var maxRate = Math.Max(Up, Down);
        _halfLength = 10 * maxRate;
        var taps = FirDesign.LowPass((2 * _halfLength) + 1, 1.0 / maxRate, 5.0);
        _phases = new double[Up][];
        for (var p = 0; p < Up; p++)
        {
            var count = ((taps.Length - 1 - p) / Up) + 1;
            _phases[p] = new double[count];
            for (var i = 0; i < count; i++)
            {
                _phases[p][i] = taps[p + (Up * i)] * Up; // gain up: zero-stuffing divides the signal by up
            }
        }
        _reversed = [.. _phases.Select(p => p.Reverse().ToArray())];
        _ring = _phases.Max(p => p.Length) + 2;
        _history = new float[channelCount * 2 * _ring];
        _times = new double[2 * _ring];
    }

    public int Up { get; }

    public int Down { get; }

    public int ChannelCount { get; }

    /// <summary>How many input samples an output waits for beyond its own position.</summary>
    public double LatencyInInputSamples => (double)_halfLength / Up;

    /// <summary>An upper bound of the outputs one call with <paramref name="inputSamples"/> samples can produce.</summary>
    public int MaxOutputSamples(int inputSamples) => (int)(((long)inputSamples * Up / Down) + 2);

    /// <summary>Clears the history: the next sample starts a new segment (as after a gap).</summary>
    public void Reset()
    {
        Array.Clear(_history);
        Array.Clear(_times);
        _inputCount = 0;
        _nextOutput = 0;
    }

    /// <summary>
    /// Takes interleaved samples and their timestamps; writes the outputs now ready (interleaved) and
    /// their timestamps; returns how many output samples were written.
    /// </summary>
    public int Process(ReadOnlySpan<float> input, ReadOnlySpan<double> timestamps, Span<float> output, Span<double> outputTimestamps)
    {
        var channels = ChannelCount;
        var samples = timestamps.Length;
        if (input.Length != samples * channels)
        {
            throw new ArgumentException($"Expected {samples} samples of {channels} channels.", nameof(input));
        }
        if (outputTimestamps.Length < MaxOutputSamples(samples) || output.Length < outputTimestamps.Length * channels)
        {
            throw new ArgumentException("Output buffers smaller than MaxOutputSamples.", nameof(output));
        }

        var written = 0;
        for (var n = 0; n < samples; n++)
        {
            var position = (int)(_inputCount % _ring);
            for (var c = 0; c < channels; c++)
            {
                var value = input[(n * channels) + c];
                var row = c * 2 * _ring;
                _history[row + position] = value;
                _history[row + position + _ring] = value;
            }
            _times[position] = timestamps[n];
            _times[position + _ring] = timestamps[n];
            var newest = _inputCount;
            _inputCount++;

            // Emit every output whose newest needed input (j / up) is this sample.
            while (true)
            {
                var j = (_nextOutput * Down) + _halfLength;
                if (j / Up != newest)
                {
                    break;
                }
                var taps = _reversed[(int)(j % Up)];
                // History of this channel ends at `position + ring` (the second copy), so the samples
                // under the taps are one contiguous run, oldest first, as the reversed taps are.
                var end = position + _ring;
                for (var c = 0; c < channels; c++)
                {
                    var window = _history.AsSpan((c * 2 * _ring) + end - taps.Length + 1, taps.Length);
                    output[(written * channels) + c] = (float)Dot(taps, window);
                }
                outputTimestamps[written] = TimeAt(_nextOutput * Down, end);
                written++;
                _nextOutput++;
            }
        }
        return written;
    }

    /// <summary>Dot product of double taps with float samples, in double, several lanes at a time.</summary>
    private static double Dot(ReadOnlySpan<double> taps, ReadOnlySpan<float> samples)
    {
        var i = 0;
        var sum = 0.0;
        if (Vector.IsHardwareAccelerated)
        {
            var width = Vector<float>.Count;
            var half = Vector<double>.Count;
            var accumulator = Vector<double>.Zero;
            for (; i <= samples.Length - width; i += width)
            {
                Vector.Widen(new Vector<float>(samples[i..]), out var low, out var high);
                accumulator += (low * new Vector<double>(taps[i..])) + (high * new Vector<double>(taps[(i + half)..]));
            }
            sum = Vector.Sum(accumulator);
        }
        for (; i < samples.Length; i++)
        {
            sum += taps[i] * samples[i];
        }
        return sum;
    }

    /// <summary>The timestamp of input position upIndex / up, interpolated between the two samples around it.</summary>
    private double TimeAt(long upIndex, int newestSlot)
    {
        var index = upIndex / Up;
        var fraction = (double)(upIndex % Up) / Up;
        var back = (int)(_inputCount - 1 - index); // >= 10 since the filter waits half its length
        var t0 = _times[newestSlot - back];
        var t1 = _times[newestSlot - back + 1];
        return t0 + (fraction * (t1 - t0));
    }

    /// <summary>Offline: resamples one whole channel (the outputs resample_poly gives, less those needing samples past the end).</summary>
    public static float[] ResampleWhole(ReadOnlySpan<float> signal, int up, int down)
    {
        var resampler = new RationalResampler(up, down, 1);
        var output = new float[resampler.MaxOutputSamples(signal.Length)];
        var times = new double[output.Length];
        var stamps = new double[signal.Length];
        for (var i = 0; i < stamps.Length; i++)
        {
            stamps[i] = i;
        }
        var count = resampler.Process(signal, stamps, output, times);
        return output[..count];
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }
        return a;
    }
}
