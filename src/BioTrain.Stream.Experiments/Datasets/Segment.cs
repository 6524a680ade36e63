namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>A labelled stretch of a continuous recording, samples [Start, End), cut from one trial.</summary>
public sealed record Segment(int Start, int End, int Label, int Trial)
{
    public int Length => End - Start;
}
