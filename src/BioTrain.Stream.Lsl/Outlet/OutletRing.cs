using System.Numerics;
using BioTrain.Stream.Lsl.Internal;

namespace BioTrain.Stream.Lsl.Outlet;

/// <summary>
/// The outlet's sample store, shared by all feed connections. Each pushed sample is copied once; each
/// consumer reads from its own position and, when it falls more than its capacity behind, skips the
/// oldest samples and counts them as dropped. The ring grows on demand (up to the outlet's buffer size)
/// only while some consumer lags, so an outlet with a 360 s buffer does not reserve 360 s of memory.
/// </summary>
internal sealed class OutletRing
{
    private const byte FlagDeduced = 1;
    private const byte FlagPushthrough = 2;
    private const int WakeThreshold = 4096;

    private readonly Lock _sync = new();
    private readonly int _sampleBytes;
    private readonly int _channels;
    private readonly bool _isString;
    private readonly double _interval;
    private readonly int _maxCapacity;

    private byte[] _values;
    private byte[][][] _strings;
    private double[] _timestamps;
    private byte[] _flags;
    private int _mask;
    private long _head;
    private double _lastTimestamp;
    private FeedConsumer[] _consumers = [];

    public OutletRing(int channels, ChannelFormat format, double nominalSrate, int maxCapacity)
    {
        _channels = channels;
        _isString = format == ChannelFormat.String;
        _sampleBytes = channels * format.ValueSize();
        _interval = nominalSrate > 0 ? 1.0 / nominalSrate : 0.0;
        _maxCapacity = (int)Math.Min(1 << 30, BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, maxCapacity)));
        var initial = Math.Min(_maxCapacity, 1024);
        _values = new byte[_isString ? 0 : initial * _sampleBytes];
        _strings = _isString ? NewStringSlots(initial) : [];
        _timestamps = new double[initial];
        _flags = new byte[initial];
        _mask = initial - 1;
    }

    public int MaxCapacity => _maxCapacity;

    public int ConsumerCount => Volatile.Read(ref _consumers).Length;

    /// <summary>Samples pushed but not yet sent to the slowest consumer.</summary>
    public long Backlog
    {
        get
        {
            var head = Volatile.Read(ref _head);
            var backlog = 0L;
            foreach (var c in Volatile.Read(ref _consumers))
            {
                backlog = Math.Max(backlog, Math.Min(head - c.Next, c.Capacity));
            }

            return backlog;
        }
    }

    /// <summary>How the samples of the consumers connected now went out.</summary>
    public SendCounts SendCounts => Volatile.Read(ref _consumers).Aggregate(default(SendCounts), (sum, c) => sum + c.SendCounts);

    /// <summary>Samples dropped so far by the consumers connected now.</summary>
    public long ActiveDropped => Volatile.Read(ref _consumers).Sum(c => c.Dropped);

    public long Head
    {
        get
        {
            lock (_sync)
            {
                return _head;
            }
        }
    }

    private byte[][][] NewStringSlots(int count)
    {
        var slots = new byte[count][][];
        for (var i = 0; i < count; i++)
        {
            slots[i] = new byte[_channels][];
        }

        return slots;
    }

    public FeedConsumer AddConsumer(int requestedCapacity, int maxChunk, FeedEncoder encoder)
    {
        lock (_sync)
        {
            var capacity = requestedCapacity <= 0 ? _maxCapacity : Math.Min(requestedCapacity, _maxCapacity);
            var consumer = new FeedConsumer(_head, capacity, maxChunk, encoder);
            _consumers = [.. _consumers, consumer];
            return consumer;
        }
    }

    public void RemoveConsumer(FeedConsumer consumer)
    {
        lock (_sync)
        {
            _consumers = _consumers.Where(c => c != consumer).ToArray();
        }
    }

    /// <summary>
    /// Appends <paramref name="count"/> numeric samples (native values, <paramref name="values"/> holds them
    /// back to back). <paramref name="timestamps"/> has one entry per sample or a single one for the last
    /// sample (the others are then deduced backwards from it).
    /// </summary>
    public void PushNumeric(ReadOnlySpan<byte> values, int count, ReadOnlySpan<double> timestamps, bool pushthrough)
    {
        lock (_sync)
        {
            EnsureSpace(count);
            for (var i = 0; i < count; i++)
            {
                var slot = (int)(_head & _mask);
                values.Slice(i * _sampleBytes, _sampleBytes).CopyTo(_values.AsSpan(slot * _sampleBytes, _sampleBytes));
                Stamp(slot, i, count, timestamps, pushthrough);
                _head++;
            }
        }

        Wake(pushthrough);
    }

    /// <summary>Appends string samples as their UTF-8 bytes.</summary>
    public void PushStrings(ReadOnlySpan<string> values, int count, ReadOnlySpan<double> timestamps, bool pushthrough) =>
        PushStringBytes(Utf8Values.Encode(values), count, timestamps, pushthrough);

    /// <summary>Appends string samples given as raw bytes; the arrays become the ring's, so pass copies.</summary>
    public void PushStringBytes(ReadOnlySpan<byte[]> values, int count, ReadOnlySpan<double> timestamps, bool pushthrough)
    {
        lock (_sync)
        {
            EnsureSpace(count);
            for (var i = 0; i < count; i++)
            {
                var slot = (int)(_head & _mask);
                values.Slice(i * _channels, _channels).CopyTo(_strings[slot]);
                Stamp(slot, i, count, timestamps, pushthrough);
                _head++;
            }
        }

        Wake(pushthrough);
    }

    private void Stamp(int slot, int index, int count, ReadOnlySpan<double> timestamps, bool pushthrough)
    {
        double ts;
        var deduced = false;
        if (timestamps.Length == count)
        {
            ts = timestamps[index];
            if (ts == LslConstants.DeducedTimestamp)
            {
                ts = _lastTimestamp + _interval;
                deduced = true;
            }
        }
        else if (index == 0)
        {
            ts = timestamps[0] - ((count - 1) * _interval);
        }
        else
        {
            ts = _lastTimestamp + _interval;
            deduced = true;
        }

        _timestamps[slot] = ts;
        _lastTimestamp = ts;
        _flags[slot] = (byte)((deduced ? FlagDeduced : 0) | (pushthrough && index == count - 1 ? FlagPushthrough : 0));
    }

    private void EnsureSpace(int count)
    {
        var capacity = _mask + 1;
        if (capacity >= _maxCapacity || _consumers.Length == 0)
        {
            return;
        }

        var oldest = _head;
        foreach (var c in _consumers)
        {
            oldest = Math.Min(oldest, Math.Max(c.Next, _head - c.Capacity));
        }

        var needed = _head + count - oldest;
        if (needed <= capacity)
        {
            return;
        }

        var newCapacity = (int)Math.Min((ulong)_maxCapacity, BitOperations.RoundUpToPowerOf2((ulong)needed));
        var newMask = newCapacity - 1;
        var values = new byte[_isString ? 0 : newCapacity * _sampleBytes];
        var strings = _isString ? NewStringSlots(newCapacity) : [];
        var timestamps = new double[newCapacity];
        var flags = new byte[newCapacity];
        for (var seq = Math.Max(oldest, _head - capacity); seq < _head; seq++)
        {
            var from = (int)(seq & _mask);
            var to = (int)(seq & newMask);
            if (_isString)
            {
                (strings[to], _strings[from]) = (_strings[from], strings[to]);
            }
            else
            {
                _values.AsSpan(from * _sampleBytes, _sampleBytes).CopyTo(values.AsSpan(to * _sampleBytes));
            }

            timestamps[to] = _timestamps[from];
            flags[to] = _flags[from];
        }

        _values = values;
        _strings = strings;
        _timestamps = timestamps;
        _flags = flags;
        _mask = newMask;
    }

    private void Wake(bool pushthrough)
    {
        var consumers = Volatile.Read(ref _consumers);
        foreach (var c in consumers)
        {
            if (pushthrough)
            {
                c.Wake();
                continue;
            }

            var pending = Volatile.Read(ref _head) - c.Next;
            if ((c.MaxChunk > 0 && pending >= c.MaxChunk) || pending >= WakeThreshold)
            {
                c.Wake();
            }
        }
    }

    /// <summary>
    /// Encodes as many pending samples of <paramref name="consumer"/> as fit into <paramref name="dest"/>.
    /// Returns the byte count (0 when nothing is pending). <paramref name="needed"/> is set when the next
    /// sample alone does not fit, so the caller can grow its buffer.
    /// </summary>
    public int Read(FeedConsumer consumer, Span<byte> dest, out int needed)
    {
        needed = 0;
        var written = 0;
        var encoder = consumer.Encoder;
        lock (_sync)
        {
            var capacity = Math.Min(consumer.Capacity, _mask + 1);
            var lag = _head - consumer.Next;
            if (lag > capacity)
            {
                consumer.AddDropped(lag - capacity);
                consumer.Next = _head - capacity;
            }

            while (consumer.Next < _head)
            {
                var seq = consumer.Next;
                var slot = (int)(seq & _mask);
                var deduced = (_flags[slot] & FlagDeduced) != 0 && consumer.LastSent == seq - 1;
                int n;
                if (_isString)
                {
                    var size = encoder.StringSize(deduced, _strings[slot]);
                    if (size > dest.Length - written)
                    {
                        needed = written == 0 ? size : 0;
                        break;
                    }

                    n = encoder.EncodeString(dest[written..], _timestamps[slot], deduced, _strings[slot]);
                }
                else
                {
                    var size = encoder.MaxNumericSize(_sampleBytes, _channels);
                    if (size > dest.Length - written)
                    {
                        needed = written == 0 ? size : 0;
                        break;
                    }

                    n = encoder.EncodeNumeric(dest[written..], _timestamps[slot], deduced, _values.AsSpan(slot * _sampleBytes, _sampleBytes));
                }

                written += n;
                consumer.LastSent = seq;
                consumer.Next = seq + 1;
            }
        }

        return written;
    }
}
