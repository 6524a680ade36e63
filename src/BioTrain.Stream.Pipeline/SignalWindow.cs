using System.Buffers;

namespace BioTrain.Stream.Pipeline;

/// <summary>
/// A fixed-length stretch of a stream, channel-major (<c>[channel * Length + sample]</c>, the C x T
/// layout of model inputs), stamped with the timestamp of its last sample.
/// </summary>
/// <remarks>
/// Same ownership rule as <see cref="SignalChunk"/>: a window passed to <c>OnNext</c> is borrowed for
/// that call (the operator reuses it for the next window); <see cref="Copy"/> gives an owned window
/// the caller disposes.
/// </remarks>
public sealed class SignalWindow : IDisposable
{
    private float[] _values;

    public SignalWindow(int channelCount, int length, double nominalRate, string sourceId)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channelCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        ArgumentNullException.ThrowIfNull(sourceId);
        ChannelCount = channelCount;
        Length = length;
        NominalRate = nominalRate;
        SourceId = sourceId;
        _values = ArrayPool<float>.Shared.Rent(channelCount * length);
    }

    public int ChannelCount { get; }

    /// <summary>Samples per channel.</summary>
    public int Length { get; }

    public double NominalRate { get; }

    public string SourceId { get; }

    /// <summary>Timestamp of the last sample (the moment the window became complete, in stream time).</summary>
    public double Timestamp { get; set; }

    /// <summary>Timestamp of the first sample.</summary>
    public double FirstTimestamp { get; set; }

    /// <summary>Index of the first sample in the stream as the operator saw it (0 = first sample received).</summary>
    public long StartIndex { get; set; }

    /// <summary>All values, channel-major, <see cref="ChannelCount"/> x <see cref="Length"/>.</summary>
    public Span<float> Values => _values.AsSpan(0, ChannelCount * Length);

    /// <summary>The samples of one channel.</summary>
    public Span<float> Channel(int channel)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, ChannelCount);
        return _values.AsSpan(channel * Length, Length);
    }

    /// <summary>An owned copy (pooled buffer): the caller disposes it.</summary>
    public SignalWindow Copy()
    {
        var copy = new SignalWindow(ChannelCount, Length, NominalRate, SourceId);
        CopyMetadataTo(copy);
        Values.CopyTo(copy.Values);
        return copy;
    }

    internal void CopyMetadataTo(SignalWindow other)
    {
        other.Timestamp = Timestamp;
        other.FirstTimestamp = FirstTimestamp;
        other.StartIndex = StartIndex;
    }

    /// <summary>Returns the buffer to the pool (owners only).</summary>
    public void Dispose()
    {
        if (_values.Length == 0)
        {
            return;
        }
        ArrayPool<float>.Shared.Return(_values);
        _values = [];
    }
}
