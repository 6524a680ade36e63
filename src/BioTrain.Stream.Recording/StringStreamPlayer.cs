using BioTrain.Stream.Lsl.Outlet;

namespace BioTrain.Stream.Recording;

/// <summary>A string stream: the outlet takes one timestamp per string chunk, so samples go one by one, flushed after the last.</summary>
internal sealed class StringStreamPlayer(ReplayStream stream, StreamOutlet outlet, double origin) : StreamPlayer(stream, outlet, origin)
{
    private readonly int _channels = stream.Info.ChannelCount;

    protected override void Push(int first, int count, ReadOnlySpan<double> timestamps)
    {
        var values = Stream.GetStrings();
        for (var i = 0; i < count; i++)
        {
            Outlet.PushSample(values.Slice((first + i) * _channels, _channels), timestamps[i], pushthrough: i == count - 1);
        }
    }
}
