using BioTrain.Stream.Lsl.Outlet;

namespace BioTrain.Stream.Recording;

/// <summary>A numeric stream: one multiplexed chunk with a timestamp per sample.</summary>
internal sealed class NumericStreamPlayer<T>(ReplayStream stream, StreamOutlet outlet, double origin) : StreamPlayer(stream, outlet, origin)
    where T : unmanaged
{
    private readonly int _channels = stream.Info.ChannelCount;

    protected override void Push(int first, int count, ReadOnlySpan<double> timestamps) =>
        Outlet.PushChunk(Stream.GetValues<T>().Slice(first * _channels, count * _channels), timestamps);
}
