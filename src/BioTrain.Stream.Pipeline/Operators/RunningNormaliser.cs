namespace BioTrain.Stream.Pipeline.Operators;

/// <summary>
/// Per-channel z-score against running statistics: exponentially weighted mean and variance with time
/// constant tau (weight 1 / (tau x rate) per sample), which for the first tau x rate samples is the
/// plain cumulative mean and variance (weight 1 / n), so the start is not dominated by the first sample.
/// Causal and chunk-invariant; statistics carry across gaps (they describe the stream, not a segment).
/// </summary>
internal sealed class RunningNormaliser(IObserver<SignalChunk> downstream, double timeConstantSeconds, double epsilon) : ChunkStage(downstream)
{
    private double[] _mean = [];
    private double[] _variance = [];
    private long _count;

    protected override void Process(SignalChunk input)
    {
        var channels = input.ChannelCount;
        if (_mean.Length != channels)
        {
            _mean = new double[channels];
            _variance = new double[channels];
            _count = 0;
        }
        var output = Output(channels, input.NominalRate, input.SourceId, input.SampleCount);
        input.Timestamps.CopyTo(output.Timestamps);
        var floor = input.NominalRate > 0 ? 1 / (timeConstantSeconds * input.NominalRate) : 0;
        var from = input.Values;
        var to = output.Values;
        for (var s = 0; s < input.SampleCount; s++)
        {
            _count++;
            var weight = Math.Max(1.0 / _count, floor);
            for (var c = 0; c < channels; c++)
            {
                var i = (s * channels) + c;
                var delta = from[i] - _mean[c];
                _mean[c] += weight * delta;
                _variance[c] = (1 - weight) * (_variance[c] + (weight * delta * delta));
                to[i] = (float)((from[i] - _mean[c]) / Math.Sqrt(_variance[c] + epsilon));
            }
        }
        Emit(output);
    }
}
