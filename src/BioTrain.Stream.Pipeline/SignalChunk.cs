using System.Buffers;

namespace BioTrain.Stream.Pipeline;

/// <summary>
/// A run of consecutive samples of one multichannel stream: values interleaved as LSL carries them
/// (<c>[sample * channels + channel]</c>), one timestamp per sample (LSL clock seconds, clock-corrected
/// upstream), the stream's nominal rate (0 = irregular) and its source id. Buffers come from
/// <see cref="ArrayPool{T}.Shared"/>.
/// </summary>
/// <remarks>
/// Ownership, the rule that keeps the hot path free of allocations:
/// <list type="bullet">
/// <item>A chunk passed to <c>OnNext</c> is <b>borrowed</b> for the duration of that call. Read it; do
/// not keep it, do not change it. When <c>OnNext</c> returns, the producer reuses it.</item>
/// <item>Each operator owns one output chunk, rented on its first input, grown when a larger input
/// comes, reused for every emission and returned to the pool when the subscription ends.</item>
/// <item>To keep data past <c>OnNext</c>, or to cross threads (ObserveOn, Buffer, Replay, queues),
/// take a <see cref="Copy"/>: the copy is yours, and you <see cref="Dispose"/> it.</item>
/// </list>
/// A producer (e.g. the daemon's LSL inlet adapter) creates one chunk, and for each pull calls
/// <see cref="SetSampleCount"/>, fills <see cref="Values"/> and <see cref="Timestamps"/>, and calls
/// <c>OnNext</c>.
/// </remarks>
public sealed class SignalChunk : IDisposable
{
    private float[] _values;
    private double[] _timestamps;

    public SignalChunk(int channelCount, double nominalRate, string sourceId, int capacity = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channelCount, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(nominalRate);
        ArgumentNullException.ThrowIfNull(sourceId);
        ChannelCount = channelCount;
        NominalRate = nominalRate;
        SourceId = sourceId;
        _values = ArrayPool<float>.Shared.Rent(Math.Max(1, capacity) * channelCount);
        _timestamps = ArrayPool<double>.Shared.Rent(Math.Max(1, capacity));
    }

    public int ChannelCount { get; }

    /// <summary>Samples per second the source declares; 0 for an irregular stream (markers, events).</summary>
    public double NominalRate { get; }

    public string SourceId { get; }

    public int SampleCount { get; private set; }

    /// <summary>Samples the buffers hold without growing.</summary>
    public int Capacity => Math.Min(_timestamps.Length, _values.Length / ChannelCount);

    /// <summary>Interleaved values, <see cref="SampleCount"/> x <see cref="ChannelCount"/>.</summary>
    public Span<float> Values => _values.AsSpan(0, SampleCount * ChannelCount);

    /// <summary>One timestamp per sample, LSL clock seconds.</summary>
    public Span<double> Timestamps => _timestamps.AsSpan(0, SampleCount);

    /// <summary>The values of sample <paramref name="index"/>, one per channel.</summary>
    public Span<float> Sample(int index) => _values.AsSpan(index * ChannelCount, ChannelCount);

    /// <summary>
    /// Sets how many samples the chunk holds, growing its buffers from the pool when needed (the
    /// existing samples are kept). Growth happens once per larger size, not per chunk.
    /// </summary>
    public void SetSampleCount(int sampleCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sampleCount);
        ObjectDisposedException.ThrowIf(_timestamps.Length == 0, this);
        if (sampleCount > _timestamps.Length || sampleCount * ChannelCount > _values.Length)
        {
            _values = Grow(_values, sampleCount * ChannelCount, SampleCount * ChannelCount);
            _timestamps = Grow(_timestamps, sampleCount, SampleCount);
        }
        SampleCount = sampleCount;
    }

    /// <summary>An owned copy (pooled buffers): the caller disposes it.</summary>
    public SignalChunk Copy()
    {
        var copy = new SignalChunk(ChannelCount, NominalRate, SourceId, SampleCount);
        copy.SetSampleCount(SampleCount);
        Values.CopyTo(copy.Values);
        Timestamps.CopyTo(copy.Timestamps);
        return copy;
    }

    /// <summary>Returns the buffers to the pool. Only the owner disposes; a borrowed chunk is never disposed by its reader.</summary>
    public void Dispose()
    {
        if (_timestamps.Length == 0)
        {
            return;
        }
        ArrayPool<float>.Shared.Return(_values);
        ArrayPool<double>.Shared.Return(_timestamps);
        _values = [];
        _timestamps = [];
        SampleCount = 0;
    }

    private static T[] Grow<T>(T[] old, int length, int keep)
    {
        var grown = ArrayPool<T>.Shared.Rent(length);
        old.AsSpan(0, keep).CopyTo(grown);
        ArrayPool<T>.Shared.Return(old);
        return grown;
    }
}
