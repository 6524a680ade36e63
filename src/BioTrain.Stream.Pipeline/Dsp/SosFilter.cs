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
                // Channels are independent chains, so the inner loop keeps the pipeline busy.
                var s = _sections[k];
                var s1 = _s1.AsSpan(k * channels, channels);
                var s2 = _s2.AsSpan(k * channels, channels);
                for (var c = 0; c < channels; c++)
                {
                    var xi = row[c];
                    var y = (s.B0 * xi) + s1[c];
                    s1[c] = (s.B1 * xi) - (s.A1 * y) + s2[c];
                    s2[c] = (s.B2 * xi) - (s.A2 * y);
                    row[c] = y;
                }
            }
            var o = output.Slice(start, channels);
            for (var c = 0; c < channels; c++)
            {
                o[c] = (float)row[c];
            }
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
