namespace BioTrain.Stream.Pipeline.Operators;

/// <summary>A chunk-to-chunk stage that owns one output chunk, reused for every emission.</summary>
internal abstract class ChunkStage(IObserver<SignalChunk> downstream) : Stage<SignalChunk, SignalChunk>(downstream)
{
    private SignalChunk? _output;

    /// <summary>The output chunk sized for <paramref name="samples"/> samples; created again only if the stream's shape changes.</summary>
    protected SignalChunk Output(int channels, double nominalRate, string sourceId, int samples)
    {
        if (_output is null || _output.ChannelCount != channels || _output.NominalRate != nominalRate || !string.Equals(_output.SourceId, sourceId, StringComparison.Ordinal))
        {
            _output?.Dispose();
            _output = new SignalChunk(channels, nominalRate, sourceId, Math.Max(samples, 64));
        }
        _output.SetSampleCount(samples);
        return _output;
    }

    /// <summary>Emits the output unless it is empty.</summary>
    protected void Emit(SignalChunk chunk)
    {
        if (chunk.SampleCount > 0)
        {
            Downstream.OnNext(chunk);
        }
    }

    protected override void Release()
    {
        _output?.Dispose();
        _output = null;
    }
}
