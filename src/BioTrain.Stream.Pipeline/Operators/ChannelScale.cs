namespace BioTrain.Stream.Pipeline.Operators;

/// <summary>
/// Divides each channel by a fixed level and clips the result at +-clip; no centring, so the level of
/// an amplitude envelope (which is the signal) survives. Stateless: the same for any chunking.
/// </summary>
internal sealed class ChannelScale(IObserver<SignalChunk> downstream, float[] levels, float clip) : ChunkStage(downstream)
{
    protected override void Process(SignalChunk input)
    {
        var channels = input.ChannelCount;
        if (channels != levels.Length)
        {
            throw new InvalidOperationException($"{levels.Length} channel levels given, but stream '{input.SourceId}' has {channels} channels here.");
        }

        var output = Output(channels, input.NominalRate, input.SourceId, input.SampleCount);
        input.Timestamps.CopyTo(output.Timestamps);
        var from = input.Values;
        var to = output.Values;
        for (var s = 0; s < input.SampleCount; s++)
        {
            for (var c = 0; c < channels; c++)
            {
                var i = (s * channels) + c;
                // In double, then rounded once: the experiments' subject normaliser computes it the same way.
                to[i] = Math.Clamp((float)(from[i] / (double)levels[c]), -clip, clip);
            }
        }

        Emit(output);
    }
}
