namespace BioTrain.Stream.Pipeline.Operators;

/// <summary>Keeps the given channels, in the given order.</summary>
internal sealed class ChannelSelection(IObserver<SignalChunk> downstream, int[] channels) : ChunkStage(downstream)
{
    protected override void Process(SignalChunk input)
    {
        foreach (var c in channels)
        {
            if (c >= input.ChannelCount)
            {
                throw new InvalidOperationException($"Channel {c} selected, but stream '{input.SourceId}' has {input.ChannelCount} channels.");
            }
        }
        var output = Output(channels.Length, input.NominalRate, input.SourceId, input.SampleCount);
        var from = input.Values;
        var to = output.Values;
        var inChannels = input.ChannelCount;
        var outChannels = channels.Length;
        for (var s = 0; s < input.SampleCount; s++)
        {
            var row = from.Slice(s * inChannels, inChannels);
            var target = to.Slice(s * outChannels, outChannels);
            for (var k = 0; k < outChannels; k++)
            {
                target[k] = row[channels[k]];
            }
        }
        input.Timestamps.CopyTo(output.Timestamps);
        Emit(output);
    }
}
