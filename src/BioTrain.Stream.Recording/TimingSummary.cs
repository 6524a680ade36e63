namespace BioTrain.Stream.Recording;

/// <summary>Median, 99th percentile and maximum of a set of durations, in milliseconds.</summary>
public sealed record TimingSummary
{
    public long Count { get; init; }
    public double MedianMs { get; init; }
    public double P99Ms { get; init; }
    public double MaxMs { get; init; }
}
