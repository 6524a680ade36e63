using System.Runtime.InteropServices;
using BioTrain.Stream.Formats.Xdf;
using BioTrain.Stream.Lsl.Inlet;

namespace BioTrain.Stream.Recording;

/// <summary>A numeric stream: pulled into buffers of its own type and written without conversion.</summary>
internal sealed class NumericRecordedStream<T>(uint id, StreamInlet inlet, XdfStreamInfo header, int capacity) : RecordedStream(id, inlet, header)
    where T : unmanaged
{
    private readonly T[] _values = new T[capacity * header.ChannelCount];
    private readonly double[] _timestamps = new double[capacity];

    protected override int PullAndWrite(XdfWriter writer)
    {
        var n = Inlet.PullChunk<T>(_values, _timestamps, 0.0);
        if (n == 0)
        {
            return 0;
        }
        var timestamps = _timestamps.AsSpan(0, n);
        var values = _values.AsSpan(0, n * Header.ChannelCount);
        // The writer has one overload per value type; these tests on T are constants to the JIT.
        if (typeof(T) == typeof(float))
        {
            writer.WriteSamples(Id, timestamps, MemoryMarshal.Cast<T, float>(values));
        }
        else if (typeof(T) == typeof(double))
        {
            writer.WriteSamples(Id, timestamps, MemoryMarshal.Cast<T, double>(values));
        }
        else if (typeof(T) == typeof(sbyte))
        {
            writer.WriteSamples(Id, timestamps, MemoryMarshal.Cast<T, sbyte>(values));
        }
        else if (typeof(T) == typeof(short))
        {
            writer.WriteSamples(Id, timestamps, MemoryMarshal.Cast<T, short>(values));
        }
        else if (typeof(T) == typeof(int))
        {
            writer.WriteSamples(Id, timestamps, MemoryMarshal.Cast<T, int>(values));
        }
        else
        {
            writer.WriteSamples(Id, timestamps, MemoryMarshal.Cast<T, long>(values));
        }
        Count(timestamps);
        return n;
    }
}
