using BioTrain.Stream.Pipeline.Metrics;

namespace BioTrain.Stream.Pipeline.Operators;

/// <summary>What the sample just counted did to the sliding windows.</summary>
public enum WindowEnd
{
    /// <summary>No window ends with it.</summary>
    None,

    /// <summary>A whole window ends with it.</summary>
    Window,

    /// <summary>A window ends with it, but spans a gap or a jump back: dropped.</summary>
    DroppedForGap,
}

/// <summary>
/// Where the windows of <see cref="SignalOperators.SlidingWindows"/> end, without cutting them: window
/// k covers samples [k x stride, k x stride + length), and one that spans a break (a gap or a jump
/// back, by the same <see cref="GapPolicy"/>) is dropped. For a device that keeps the window itself
/// (its input ring), the host needs only these ends, not the windows.
/// </summary>
public sealed class WindowClock
{
    private readonly int _length;
    private readonly int _stride;
    private readonly PipelineCounters? _counters;
    private Discontinuities _breaks;
    private long _nextStart;
    private long _lastBreak = long.MinValue;

    /// <summary>Counts into <paramref name="counters"/> as the windower does: samples windowed, windows, windows dropped for gaps.</summary>
    public WindowClock(int length, int stride, PipelineCounters? counters = null, GapPolicy? gaps = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        _length = length;
        _stride = stride;
        _counters = counters;
        _breaks = new Discontinuities(gaps ?? GapPolicy.Default);
    }

    /// <summary>Samples counted so far; after a <see cref="WindowEnd.Window"/>, the window is [Received - length, Received).</summary>
    public long Received { get; private set; }

    /// <summary>Counts one sample.</summary>
    public WindowEnd Step(double timestamp, double nominalRate)
    {
        if (_breaks.Check(timestamp, nominalRate, out _) is Continuity.Gap or Continuity.JumpBack)
        {
            _lastBreak = Received;
        }

        Received++;
        _counters?.AddSamplesWindowed(1);
        if (Received != _nextStart + _length)
        {
            return WindowEnd.None;
        }

        var start = _nextStart;
        _nextStart += _stride;
        if (_lastBreak > start)
        {
            _counters?.AddWindowDroppedForGap();
            return WindowEnd.DroppedForGap;
        }

        _counters?.AddWindow();
        return WindowEnd.Window;
    }
}
