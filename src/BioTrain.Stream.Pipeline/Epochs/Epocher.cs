using BioTrain.Stream.Pipeline.Metrics;
using BioTrain.Stream.Pipeline.Operators;

namespace BioTrain.Stream.Pipeline.Epochs;

/// <summary>
/// Cuts marker-locked epochs from a data stream and a marker stream that arrive independently (often
/// on different threads). Data goes into a bounded, channel-major history; a marker whose data is
/// already there is served at once, one whose data is still to come waits (bounded) until it arrives.
/// Which samples form an epoch depends only on the timestamps, so the epochs are the same however
/// data is chunked and whenever the markers arrive (as long as they arrive within the history).
/// </summary>
internal sealed class Epocher : IDisposable
{
    private readonly Lock _gate = new();
    private readonly IObserver<LabelledWindow> _downstream;
    private readonly EpochOptions _options;
    private readonly PipelineCounters? _counters;
    private readonly List<Waiting> _waiting = [];
    private Discontinuities _breaks;
    private bool _stopped;

    // History, set up from the first chunk.
    private SignalWindow? _epoch;
    private float[] _ring = [];
    private double[] _times = [];
    private bool[] _breakBefore = [];
    private int _capacity;
    private int _channels;
    private int _length;
    private double _rate;
    private long _received;

    public Epocher(IObserver<LabelledWindow> downstream, EpochOptions options, PipelineCounters? counters)
    {
        _downstream = downstream;
        _options = options;
        _counters = counters;
        _breaks = new Discontinuities(options.Gaps);
    }

    /// <summary>A marker waiting for its data; Anchor is -1 until the epoch's first sample has arrived.</summary>
    private record struct Waiting(Marker Marker, int Label, long Anchor);

    public IObserver<SignalChunk> DataObserver => new Forward<SignalChunk>(this, OnData, OnDataCompleted);

    public IObserver<Marker> MarkerObserver => new Forward<Marker>(this, OnMarker, static () => { });

    private double HalfPeriod => 0.5 / _rate;

    private double Late => (0.5 + (_options.Gaps?.Tolerance ?? 0.5)) / _rate;

    private void OnMarker(Marker marker)
    {
        _counters?.AddMarker();
        if (!_options.Classes.TryGetValue(marker.Value, out var label))
        {
            _counters?.AddMarkerIgnored();
            return;
        }
        if (_epoch is null)
        {
            Wait(new Waiting(marker, label, -1));
            return;
        }

        // Latest sample before the epoch's first: the anchor follows it.
        var threshold = marker.Timestamp + _options.TMin - HalfPeriod;
        var oldest = Math.Max(0, _received - _capacity);
        var anchor = oldest;
        for (var i = _received - 1; i >= oldest; i--)
        {
            if (_times[i % _capacity] < threshold)
            {
                anchor = i + 1;
                break;
            }
        }
        if (anchor == oldest && oldest > 0 && _times[oldest % _capacity] >= threshold)
        {
            _counters?.AddMarkerLost(); // its first sample has left the history
            return;
        }
        var waiting = new Waiting(marker, label, anchor == _received ? -1 : anchor);
        if (waiting.Anchor >= 0 && waiting.Anchor + _length <= _received)
        {
            Resolve(waiting);
        }
        else
        {
            Wait(waiting);
        }
    }

    private void Wait(Waiting waiting)
    {
        if (_waiting.Count >= _options.MaxPendingMarkers)
        {
            _waiting.RemoveAt(0);
            _counters?.AddMarkerLost();
        }
        var at = _waiting.Count; // kept in marker order; markers mostly come in order, so look from the end
        while (at > 0 && _waiting[at - 1].Marker.Timestamp > waiting.Marker.Timestamp)
        {
            at--;
        }
        _waiting.Insert(at, waiting);
    }

    private void OnData(SignalChunk chunk)
    {
        if (_epoch is null)
        {
            Start(chunk);
        }
        else if (chunk.ChannelCount != _channels || chunk.NominalRate != _rate)
        {
            throw new InvalidOperationException($"Stream '{chunk.SourceId}' changed shape ({chunk.ChannelCount} channels at {chunk.NominalRate} Hz, was {_channels} at {_rate}).");
        }
        _counters?.AddSamplesWindowed(chunk.SampleCount);

        // In pieces small enough that a completed epoch is still wholly in the history when checked.
        var piece = _capacity - _length;
        for (var from = 0; from < chunk.SampleCount; from += piece)
        {
            var count = Math.Min(piece, chunk.SampleCount - from);
            Append(chunk, from, count);
            ServeWaiting(from, count, chunk.Timestamps);
        }
    }

    private void Start(SignalChunk chunk)
    {
        if (chunk.NominalRate <= 0)
        {
            throw new InvalidOperationException($"Epochs need a regular stream; '{chunk.SourceId}' has no nominal rate.");
        }
        _channels = chunk.ChannelCount;
        _rate = chunk.NominalRate;
        _length = Math.Max(1, (int)Math.Round((_options.TMax - _options.TMin) * _rate));
        _capacity = Math.Max((int)Math.Ceiling(_options.HistorySeconds * _rate), _length + 1);
        _ring = new float[_channels * _capacity];
        _times = new double[_capacity];
        _breakBefore = new bool[_capacity];
        _epoch = new SignalWindow(_channels, _length, _rate, chunk.SourceId);
    }

    private void Append(SignalChunk chunk, int from, int count)
    {
        var values = chunk.Values;
        var timestamps = chunk.Timestamps;
        for (var s = from; s < from + count; s++)
        {
            var slot = (int)(_received % _capacity);
            var continuity = _breaks.Check(timestamps[s], _rate, out _);
            _breakBefore[slot] = continuity is Continuity.Gap or Continuity.JumpBack;
            _times[slot] = timestamps[s];
            var row = values.Slice(s * _channels, _channels);
            for (var c = 0; c < _channels; c++)
            {
                _ring[(c * _capacity) + slot] = row[c];
            }
            _received++;
        }
    }

    /// <summary>Finds the anchors that arrived in the piece, then serves every waiting marker whose epoch is complete, in marker order.</summary>
    private void ServeWaiting(int from, int count, ReadOnlySpan<double> timestamps)
    {
        var firstIndex = _received - count;
        for (var w = 0; w < _waiting.Count; w++)
        {
            var waiting = _waiting[w];
            if (waiting.Anchor >= 0)
            {
                continue;
            }
            var threshold = waiting.Marker.Timestamp + _options.TMin - HalfPeriod;
            for (var s = 0; s < count; s++)
            {
                if (timestamps[from + s] >= threshold)
                {
                    _waiting[w] = waiting with { Anchor = firstIndex + s };
                    break;
                }
            }
        }
        for (var w = 0; w < _waiting.Count;)
        {
            var waiting = _waiting[w];
            if (waiting.Anchor >= 0 && waiting.Anchor + _length <= _received)
            {
                _waiting.RemoveAt(w);
                Resolve(waiting);
            }
            else
            {
                w++;
            }
        }
    }

    private void Resolve(Waiting waiting)
    {
        var anchor = waiting.Anchor;
        if (_received - anchor > _capacity)
        {
            _counters?.AddMarkerLost();
            return;
        }
        var target = waiting.Marker.Timestamp + _options.TMin;
        if (_times[anchor % _capacity] - target > Late)
        {
            // No sample near the epoch's start: before the stream began, or inside a gap.
            if (anchor == 0)
            {
                _counters?.AddMarkerLost();
            }
            else
            {
                _counters?.AddEpochDroppedForGap();
            }
            return;
        }
        for (var i = anchor + 1; i < anchor + _length; i++)
        {
            if (_breakBefore[i % _capacity])
            {
                _counters?.AddEpochDroppedForGap();
                return;
            }
        }

        var epoch = _epoch!;
        var first = (int)(anchor % _capacity);
        var head = Math.Min(_length, _capacity - first);
        for (var c = 0; c < _channels; c++)
        {
            var row = _ring.AsSpan(c * _capacity, _capacity);
            var target2 = epoch.Channel(c);
            row.Slice(first, head).CopyTo(target2);
            row[..(_length - head)].CopyTo(target2[head..]);
        }
        epoch.StartIndex = anchor;
        epoch.FirstTimestamp = _times[first];
        epoch.Timestamp = _times[(anchor + _length - 1) % _capacity];
        _counters?.AddEpoch();
        _downstream.OnNext(new LabelledWindow(epoch, waiting.Label, waiting.Marker));
    }

    private void OnDataCompleted()
    {
        foreach (var _ in _waiting)
        {
            _counters?.AddMarkerLost(); // their data never came
        }
        _waiting.Clear();
        Stop();
        _downstream.OnCompleted();
    }

    private void Fail(Exception error)
    {
        Stop();
        _downstream.OnError(error);
    }

    private void Stop()
    {
        _stopped = true;
        _epoch?.Dispose();
        _epoch = null;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            Stop();
        }
    }

    /// <summary>One of the two inputs: serialised with the other through the gate.</summary>
    private sealed class Forward<T>(Epocher owner, Action<T> next, Action completed) : IObserver<T>
    {
        public void OnNext(T value)
        {
            lock (owner._gate)
            {
                if (owner._stopped)
                {
                    return;
                }
                try
                {
                    next(value);
                }
#pragma warning disable CA1031 // Any failure ends the epoch stream with that error, as Rx operators do.
                catch (Exception error)
#pragma warning restore CA1031
                {
                    owner.Fail(error);
                }
            }
        }

        public void OnError(Exception error)
        {
            lock (owner._gate)
            {
                if (!owner._stopped)
                {
                    owner.Fail(error);
                }
            }
        }

        public void OnCompleted()
        {
            lock (owner._gate)
            {
                if (!owner._stopped)
                {
                    completed();
                }
            }
        }
    }
}
