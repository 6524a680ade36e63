using System.Numerics;
using BioTrain.Stream.Lsl.Internal;

namespace BioTrain.Stream.Lsl.Inlet;

/// <summary>
/// The inlet's queue of received samples: bounded (Max-Buffer-Length samples), dropping and counting the
/// oldest on overflow, growing its arrays only as far as data actually piles up. The receiver decodes
/// straight into it; pulls copy out into caller buffers. No allocation per numeric sample.
/// </summary>
internal sealed class InletBuffer
{
    private readonly object _sync = new();
    private readonly int _channels;
    private readonly int _sampleBytes;
    private readonly bool _isString;
    private readonly int _maxCapacity;
    private byte[] _values;
    private byte[][][] _strings;
    private double[] _timestamps;
    private int _mask;
    private long _head;
    private long _tail;
    private long _dropped;
    private int _syncWaiters;
    private Exception? _fault;

    public InletBuffer(int channels, ChannelFormat format, int maxCapacity)
    {
        _channels = channels;
        _isString = format == ChannelFormat.String;
        _sampleBytes = channels * format.ValueSize();
        _maxCapacity = (int)Math.Min(1 << 30, BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, maxCapacity)));
        var initial = Math.Min(_maxCapacity, 256);
        _values = new byte[initial * _sampleBytes];
        _strings = _isString ? NewSlots(initial) : [];
        _timestamps = new double[initial];
        _mask = initial - 1;
        Capacity = Math.Max(1, maxCapacity);
    }

    /// <summary>The inlet's buffer size in samples (what it asks the outlet for).</summary>
    public int Capacity { get; }

    public AsyncSignal DataArrived { get; } = new();

    public long Dropped => Interlocked.Read(ref _dropped);

    public int Count
    {
        get
        {
            lock (_sync)
            {
                return (int)(_head - _tail);
            }
        }
    }

    private byte[][][] NewSlots(int n)
    {
        var slots = new byte[n][][];
        for (var i = 0; i < n; i++)
        {
            slots[i] = new byte[_channels][];
        }

        return slots;
    }

    /// <summary>
    /// Decodes as many whole samples from <paramref name="src"/> as there are, rebuilding deduced
    /// timestamps from <paramref name="lastTimestamp"/>. Returns the bytes consumed.
    /// </summary>
    public int Decode(ReadOnlySpan<byte> src, SampleDecoder decoder, double interval, ref double lastTimestamp, out int samples)
    {
        var pos = 0;
        samples = 0;
        lock (_sync)
        {
            while (pos < src.Length)
            {
                MakeRoom();
                var slot = (int)(_head & _mask);
                bool ok;
                double ts;
                bool deduced;
                int consumed;
                if (_isString)
                {
                    ok = decoder.TryDecodeStrings(src[pos..], _strings[slot], out ts, out deduced, out consumed);
                }
                else
                {
                    ok = decoder.TryDecodeNumeric(src[pos..], _values.AsSpan(slot * _sampleBytes, _sampleBytes), out ts, out deduced, out consumed);
                }

                if (!ok)
                {
                    break;
                }

                ts = deduced ? lastTimestamp + interval : ts;
                lastTimestamp = ts;
                _timestamps[slot] = ts;
                _head++;
                pos += consumed;
                samples++;
            }

            if (samples > 0 && _syncWaiters > 0)
            {
                Monitor.PulseAll(_sync);
            }
        }

        if (samples > 0)
        {
            DataArrived.Set();
        }

        return pos;
    }

    private void MakeRoom()
    {
        var count = _head - _tail;
        var capacity = _mask + 1;
        if (count < capacity && count < Capacity)
        {
            return;
        }

        if (count >= Capacity || capacity >= _maxCapacity)
        {
            _tail++;
            Interlocked.Increment(ref _dropped);
            return;
        }

        var newCapacity = capacity * 2;
        var newMask = newCapacity - 1;
        var values = new byte[newCapacity * _sampleBytes];
        var strings = _isString ? NewSlots(newCapacity) : [];
        var timestamps = new double[newCapacity];
        for (var seq = _tail; seq < _head; seq++)
        {
            var from = (int)(seq & _mask);
            var to = (int)(seq & newMask);
            _values.AsSpan(from * _sampleBytes, _sampleBytes).CopyTo(values.AsSpan(to * _sampleBytes));
            if (_isString)
            {
                (strings[to], _strings[from]) = (_strings[from], strings[to]);
            }

            timestamps[to] = _timestamps[from];
        }

        _values = values;
        _strings = strings;
        _timestamps = timestamps;
        _mask = newMask;
    }

    /// <summary>Marks the buffer as failed: pulls drain what is left, then throw <paramref name="fault"/>.</summary>
    public void Fail(Exception fault)
    {
        lock (_sync)
        {
            _fault = fault;
            Monitor.PulseAll(_sync);
        }

        DataArrived.Set();
    }

    public void Clear()
    {
        lock (_sync)
        {
            _tail = _head;
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> seconds for a sample; false on timeout.</summary>
    public bool WaitForData(double timeout)
    {
        lock (_sync)
        {
            if (_head > _tail)
            {
                return true;
            }

            ThrowIfFaulted();
            if (timeout <= 0)
            {
                return false;
            }

            var deadline = LslClock.LocalClock() + timeout;
            _syncWaiters++;
            try
            {
                while (_head == _tail)
                {
                    ThrowIfFaulted();
                    var remaining = deadline - LslClock.LocalClock();
                    if (remaining <= 0)
                    {
                        return false;
                    }

                    Monitor.Wait(_sync, TimeSpan.FromSeconds(Math.Min(remaining, 3600)));
                }

                return true;
            }
            finally
            {
                _syncWaiters--;
            }
        }
    }

    private void ThrowIfFaulted()
    {
        if (_fault is not null && _head == _tail)
        {
            throw _fault;
        }
    }

    public bool HasDataOrFault
    {
        get
        {
            lock (_sync)
            {
                return _head > _tail || _fault is not null;
            }
        }
    }

    /// <summary>Copies up to <paramref name="maxSamples"/> numeric samples out; returns the count.</summary>
    public int TakeNumeric<T>(Span<T> data, Span<double> timestamps, int maxSamples, ChannelFormat format)
        where T : unmanaged
    {
        lock (_sync)
        {
            ThrowIfFaulted();
            var n = (int)Math.Min(_head - _tail, maxSamples);
            if (ValueConverter.FormatOf<T>() == format && BitConverter.IsLittleEndian)
            {
                // Same type: at most two block copies (the ring may wrap once).
                var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(data);
                var done = 0;
                while (done < n)
                {
                    var slot = (int)(_tail & _mask);
                    var run = Math.Min(n - done, _mask + 1 - slot);
                    _values.AsSpan(slot * _sampleBytes, run * _sampleBytes).CopyTo(bytes[(done * _sampleBytes)..]);
                    _timestamps.AsSpan(slot, run).CopyTo(timestamps[done..]);
                    _tail += run;
                    done += run;
                }

                return n;
            }

            for (var i = 0; i < n; i++)
            {
                var slot = (int)(_tail & _mask);
                ValueConverter.FromFormat(_values.AsSpan(slot * _sampleBytes, _sampleBytes), format, data.Slice(i * _channels, _channels));
                timestamps[i] = _timestamps[slot];
                _tail++;
            }

            return n;
        }
    }

    /// <summary>String samples as text (bytes that are not UTF-8 become U+FFFD).</summary>
    public int TakeStrings(Span<string> data, Span<double> timestamps, int maxSamples)
    {
        lock (_sync)
        {
            ThrowIfFaulted();
            var n = (int)Math.Min(_head - _tail, maxSamples);
            for (var i = 0; i < n; i++)
            {
                var slot = (int)(_tail & _mask);
                Utf8Values.Decode(_strings[slot], data.Slice(i * _channels, _channels));
                timestamps[i] = _timestamps[slot];
                _tail++;
            }

            return n;
        }
    }

    /// <summary>String samples as the bytes the outlet sent; the arrays are handed over, not copied.</summary>
    public int TakeStringBytes(Span<byte[]> data, Span<double> timestamps, int maxSamples)
    {
        lock (_sync)
        {
            ThrowIfFaulted();
            var n = (int)Math.Min(_head - _tail, maxSamples);
            for (var i = 0; i < n; i++)
            {
                var slot = (int)(_tail & _mask);
                _strings[slot].CopyTo(data.Slice(i * _channels, _channels));
                timestamps[i] = _timestamps[slot];
                _tail++;
            }

            return n;
        }
    }
}
