using BioTrain.Stream.Pipeline;

namespace BioTrain.Stream.Daemon.Live;

/// <summary>
/// The last seconds of every channel of the preprocessed signal, thinned for a screen: means of
/// consecutive samples down to at most 64 points per second, and at most 4096 points across all
/// channels, so an event stays small whatever the montage. Not thread-safe: its owner locks.
/// </summary>
internal sealed class TraceRing
{
    private const double Seconds = 5;
    private const double MaxPointsPerSecond = 64;
    private const int PointBudget = 4096;
    private readonly int _channels;
    private readonly int _factor;
    private readonly int _capacity;
    private readonly float[] _points; // [point * channels + channel], a ring
    private readonly double[] _sums;
    private int _inBucket;
    private int _next;
    private int _count;

    public TraceRing(int channels, double rate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        _channels = channels;
        _factor = Math.Max(1, (int)Math.Ceiling(rate / MaxPointsPerSecond));
        PointsPerSecond = rate / _factor;
        _capacity = Math.Clamp((int)(Seconds * PointsPerSecond), 2, Math.Max(2, PointBudget / channels));
        _points = new float[_capacity * channels];
        _sums = new double[channels];
    }

    public double PointsPerSecond { get; }

    public void Add(SignalChunk chunk)
    {
        if (chunk.ChannelCount != _channels)
        {
            return; // not this session's montage: nothing sensible to draw
        }

        for (var i = 0; i < chunk.SampleCount; i++)
        {
            var sample = chunk.Sample(i);
            for (var c = 0; c < _channels; c++)
            {
                _sums[c] += sample[c];
            }

            if (++_inBucket == _factor)
            {
                var row = _points.AsSpan(_next * _channels, _channels);
                for (var c = 0; c < _channels; c++)
                {
                    row[c] = (float)(_sums[c] / _factor);
                    _sums[c] = 0;
                }

                _inBucket = 0;
                _next = (_next + 1) % _capacity;
                _count = Math.Min(_count + 1, _capacity);
            }
        }
    }

    /// <summary>Each channel oldest first, as thousandths of its largest magnitude (the scale).</summary>
    public LiveTrace[] Snapshot()
    {
        var traces = new LiveTrace[_channels];
        var first = (_next - _count + _capacity) % _capacity;
        for (var c = 0; c < _channels; c++)
        {
            var scale = 0f;
            for (var i = 0; i < _count; i++)
            {
                scale = Math.Max(scale, Math.Abs(_points[(((first + i) % _capacity) * _channels) + c]));
            }

            var values = new short[_count];
            for (var i = 0; i < _count; i++)
            {
                var v = _points[(((first + i) % _capacity) * _channels) + c];
                values[i] = scale > 0 && float.IsFinite(v) ? (short)Math.Round(v / scale * 1000) : (short)0;
            }

            traces[c] = new LiveTrace(float.IsFinite(scale) ? scale : 0, values);
        }

        return traces;
    }
}
