using BioTrain.Stream.Formats.Xdf;
using BioTrain.Stream.Lsl.Inlet;

namespace BioTrain.Stream.Recording;

/// <summary>A string (marker) stream.</summary>
internal sealed class StringRecordedStream(uint id, StreamInlet inlet, XdfStreamInfo header, int capacity) : RecordedStream(id, inlet, header)
{
    private readonly string[] _values = new string[capacity * header.ChannelCount];
    private readonly double[] _timestamps = new double[capacity];

    protected override int PullAndWrite(XdfWriter writer)
    {
        var n = Inlet.PullChunk(_values, _timestamps, 0.0);
        if (n == 0)
        {
            return 0;
        }
        var timestamps = _timestamps.AsSpan(0, n);
        writer.WriteSamples(Id, timestamps, _values.AsSpan(0, n * Header.ChannelCount));
        Count(timestamps);
        return n;
    }
}
