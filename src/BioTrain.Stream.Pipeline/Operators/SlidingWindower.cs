using BioTrain.Stream.Pipeline.Metrics;

namespace BioTrain.Stream.Pipeline.Operators;

/// <summary>
/// Windows of <c>length</c> samples every <c>stride</c> samples, over chunk boundaries: window k covers
/// stream samples [k x stride, k x stride + length), so the windows depend only on the samples, never on
/// how they were chunked. A window that would span a gap or a jump back is dropped and counted; the
/// next windows resume once they lie wholly after the break. Keeps the last <c>length</c> samples in a
/// channel-major ring so a window is two block copies per channel.
/// </summary>
internal sealed class SlidingWindower(IObserver<SignalWindow> downstream, int length, int stride, PipelineCounters? counters, GapPolicy? gaps)
    : Stage<SignalChunk, SignalWindow>(downstream)
{
    private float[] _ring = [];
    private readonly double[] _times = new double[length];
    private SignalWindow? _window;
    private Discontinuities _breaks = new(gaps);
    private long _received; // samples so far; the next one has this index
    private long _nextStart; // first sample of the next window
    private long _lastBreak = long.MinValue; // index of the first sample after the latest break

    protected override void Process(SignalChunk input)
    {
        var channels = input.ChannelCount;
        if (_window is null || _window.ChannelCount != channels)
        {
            _window?.Dispose();
            _ring = new float[channels * length];
            _window = new SignalWindow(channels, length, input.NominalRate, input.SourceId);
        }
        counters?.AddSamplesWindowed(input.SampleCount);

        var values = input.Values;
        var timestamps = input.Timestamps;
        var n = 0;
        while (n < timestamps.Length)
        {
            // Copy up to the next window end or the ring's wrap, whichever comes first.
            var slot = (int)(_received % length);
            var untilWindow = (int)Math.Max(1, _nextStart + length - _received);
            var run = Math.Min(Math.Min(timestamps.Length - n, length - slot), untilWindow);
            for (var s = 0; s < run; s++)
            {
                var t = timestamps[n + s];
                if (_breaks.Check(t, input.NominalRate, out _) is Continuity.Gap or Continuity.JumpBack)
                {
                    _lastBreak = _received + s;
                }
                _times[slot + s] = t;
            }
            for (var c = 0; c < channels; c++)
            {
                var row = _ring.AsSpan((c * length) + slot, run);
                for (var s = 0; s < run; s++)
                {
                    row[s] = values[((n + s) * channels) + c];
                }
            }
            n += run;
            _received += run;
            if (_received == _nextStart + length)
            {
                EmitWindow(channels);
            }
        }
    }

    private void EmitWindow(int channels)
    {
        var start = _nextStart;
        _nextStart += stride;
        if (_lastBreak > start)
        {
            counters?.AddWindowDroppedForGap();
            return;
        }
        var window = _window!;
        var first = (int)(start % length); // slot of the window's first sample
        var head = length - first;
        for (var c = 0; c < channels; c++)
        {
            var row = _ring.AsSpan(c * length, length);
            var target = window.Channel(c);
            row[first..].CopyTo(target);
            row[..first].CopyTo(target[head..]);
        }
        window.StartIndex = start;
        window.FirstTimestamp = _times[first];
        window.Timestamp = _times[(first + length - 1) % length];
        counters?.AddWindow();
        Downstream.OnNext(window);
    }

    protected override void Release()
    {
        _window?.Dispose();
        _window = null;
    }
}
