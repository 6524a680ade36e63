using System.Numerics;

namespace BioTrain.Stream.Pipeline.Dsp;

/// <summary>
/// A causal second-order-section filter for <see cref="ChannelCount"/> channels, keeping its state
/// between calls so a stream filtered chunk by chunk gives exactly (bit for bit) the output of
/// filtering it whole. Transposed direct form II per section, like scipy's sosfilt, so
/// <see cref="ResetToSteadyState"/> uses the same initial conditions as sosfilt_zi.
/// </summary>
/// <remarks>
/// Samples are float (as LSL carries them); coefficients and state are double: a 0.5 Hz high-pass at
/// 1 kHz has poles within 0.3 % of the unit circle, where float state adds audible round-off noise,
/// and scalar double arithmetic costs the same as float. Processing allocates nothing. Not thread-safe:
/// one filter per stream.
/// </remarks>
public sealed class SosFilter
{
    private readonly Biquad[] _sections;
    private readonly double[] _s1; // [section * channels + channel]
    private readonly double[] _s2;
    private readonly double[] _row; // one sample of every channel, in double between sections

    public SosFilter(SecondOrderSections sections, int channelCount)
    {
        ArgumentNullException.ThrowIfNull(sections);
        ArgumentOutOfRangeException.ThrowIfLessThan(channelCount, 1);
        Sections = sections;
        _sections = [.. sections];
        ChannelCount = channelCount;
        _s1 = new double[_sections.Length * channelCount];
        _s2 = new double[_sections.Length * channelCount];
        _row = new double[channelCount];
    }

    public SecondOrderSections Sections { get; }

    public int ChannelCount { get; }

    /// <summary>Filters interleaved samples (<c>[sample * channels + channel]</c>) in place.</summary>
    public void Process(Span<float> interleaved) => Process(interleaved, interleaved);

    /// <summary>Filters interleaved samples from <paramref name="input"/> into <paramref name="output"/> (may be the same memory).</summary>
    public void Process(ReadOnlySpan<float> input, Span<float> output)
    {
        var channels = ChannelCount;
        if (input.Length % channels != 0 || output.Length < input.Length)
        {
            throw new ArgumentException($"Input must hold whole samples of {channels} channels and output at least as many values.", nameof(input));
        }
        var row = _row.AsSpan();
        for (var start = 0; start < input.Length; start += channels)
        {
            var x = input.Slice(start, channels);
            for (var c = 0; c < channels; c++)
            {
                row[c] = x[c];
            }
            for (var k = 0; k < _sections.Length; k++)
            {
                RunSection(_sections[k], row, _s1.AsSpan(k * channels, channels), _s2.AsSpan(k * channels, channels));
            }
            var o = output.Slice(start, channels);
            for (var c = 0; c < channels; c++)
            {
                o[c] = (float)row[c];
            }
        }
    }

    /// <summary>
    /// One section over one sample of every channel. Channels are independent chains, so they run
    /// side by side in SIMD lanes (the tail scalar); each channel always takes the same path, so the
    /// result does not depend on how the stream is chunked.
    /// </summary>
    private static void RunSection(Biquad s, Span<double> row, Span<double> s1, Span<double> s2)
    {
        var c = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var width = Vector<double>.Count;
            var (b0, b1, b2) = (new Vector<double>(s.B0), new Vector<double>(s.B1), new Vector<double>(s.B2));
            var (a1, a2) = (new Vector<double>(s.A1), new Vector<double>(s.A2));
            for (; c <= row.Length - width; c += width)
            {
                var x = new Vector<double>(row[c..]);
                var y = (b0 * x) + new Vector<double>(s1[c..]);
                ((b1 * x) - (a1 * y) + new Vector<double>(s2[c..])).CopyTo(s1[c..]);
                ((b2 * x) - (a2 * y)).CopyTo(s2[c..]);
                y.CopyTo(row[c..]);
            }
        }
        for (; c < row.Length; c++)
        {
            var x = row[c];
            var y = (s.B0 * x) + s1[c];
            s1[c] = (s.B1 * x) - (s.A1 * y) + s2[c];
            s2[c] = (s.B2 * x) - (s.A2 * y);
            row[c] = y;
        }
    }

    /// <summary>Filters contiguous samples of one channel in place (channel-major data).</summary>
    public void ProcessChannel(int channel, Span<float> samples)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, ChannelCount);
        var channels = ChannelCount;
        for (var n = 0; n < samples.Length; n++)
        {
            double v = samples[n];
            for (var k = 0; k < _sections.Length; k++)
            {
                var s = _sections[k];
                var i = (k * channels) + channel;
                var y = (s.B0 * v) + _s1[i];
                _s1[i] = (s.B1 * v) - (s.A1 * y) + _s2[i];
                _s2[i] = (s.B2 * v) - (s.A2 * y);
                v = y;
            }
            samples[n] = (float)v;
        }
    }

    /// <summary>Zero state: the filter starts as if the signal had been 0 forever.</summary>
    public void Reset()
    {
        Array.Clear(_s1);
        Array.Clear(_s2);
    }

    /// <summary>
    /// State as if each channel had held the value in <paramref name="firstSample"/> forever (scipy's
    /// sosfilt_zi times that value): a signal with a DC offset starts without a step transient.
    /// </summary>
    public void ResetToSteadyState(ReadOnlySpan<float> firstSample)
    {
        if (firstSample.Length != ChannelCount)
        {
            throw new ArgumentException($"Give one value per channel ({ChannelCount}).", nameof(firstSample));
        }
        for (var c = 0; c < ChannelCount; c++)
        {
            ResetChannelToSteadyState(c, firstSample[c]);
        }
    }

    /// <summary>Like <see cref="ResetToSteadyState"/> for one channel.</summary>
    public void ResetChannelToSteadyState(int channel, double value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, ChannelCount);
        var scale = value;
        for (var k = 0; k < _sections.Length; k++)
        {
            var (s1, s2) = _sections[k].SteadyStateForUnitStep();
            var i = (k * ChannelCount) + channel;
            _s1[i] = s1 * scale;
            _s2[i] = s2 * scale;
            scale *= _sections[k].DcGain;
        }
    }
}
