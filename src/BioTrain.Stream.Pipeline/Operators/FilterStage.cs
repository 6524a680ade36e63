using BioTrain.Stream.Pipeline.Dsp;

namespace BioTrain.Stream.Pipeline.Operators;

/// <summary>
/// Causal SOS filtering of every channel, with state carried across chunks. At the first sample, and
/// after a gap or a jump back, the filter restarts from the steady state of that sample, so neither an
/// electrode offset nor the jump across a gap rings through the output (a gap is not filtered across).
/// </summary>
internal sealed class FilterStage(IObserver<SignalChunk> downstream, SecondOrderSections sections, GapPolicy? gaps) : ChunkStage(downstream)
{
    private SosFilter? _filter;
    private Discontinuities _breaks = new(gaps);

    protected override void Process(SignalChunk input)
    {
        var channels = input.ChannelCount;
        if (_filter is null || _filter.ChannelCount != channels)
        {
            _filter = new SosFilter(sections, channels);
        }
        var output = Output(channels, input.NominalRate, input.SourceId, input.SampleCount);
        input.Values.CopyTo(output.Values);
        input.Timestamps.CopyTo(output.Timestamps);

        var values = output.Values;
        var timestamps = output.Timestamps;
        var runStart = 0;
        for (var i = 0; i < timestamps.Length; i++)
        {
            if (_breaks.Check(timestamps[i], input.NominalRate, out _) != Continuity.Continuous)
            {
                _filter.Process(values[(runStart * channels)..(i * channels)]);
                _filter.ResetToSteadyState(values.Slice(i * channels, channels));
                runStart = i;
            }
        }
        _filter.Process(values[(runStart * channels)..]);
        Emit(output);
    }
}
