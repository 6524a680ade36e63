using BioTrain.Stream.Pipeline.Metrics;

namespace BioTrain.Stream.Pipeline.Operators;

/// <summary>Counts chunks, samples, gaps, missing samples and jumps back, and passes every chunk through unchanged.</summary>
internal sealed class StreamTracker(IObserver<SignalChunk> downstream, PipelineCounters counters, GapPolicy gaps)
    : Stage<SignalChunk, SignalChunk>(downstream)
{
    private Discontinuities _breaks = new(gaps);

    protected override void Process(SignalChunk input)
    {
        var timestamps = input.Timestamps;
        if (timestamps.Length == 0)
        {
            return;
        }
        foreach (var t in timestamps)
        {
            switch (_breaks.Check(t, input.NominalRate, out var missing))
            {
                case Continuity.Gap:
                    counters.AddGap(missing);
                    break;
                case Continuity.JumpBack:
                    counters.AddJumpBack();
                    break;
            }
        }
        counters.AddChunk(input.SampleCount, timestamps[0], timestamps[^1], input.NominalRate);
        Downstream.OnNext(input);
    }
}
