namespace BioTrain.Stream.Pipeline.Epochs;

/// <summary>
/// How to cut marker-locked epochs. An epoch for a marker at time t starts at the sample nearest
/// t + <see cref="TMin"/> and holds round((TMax - TMin) x rate) samples (TMax exclusive), so every
/// epoch has the same length: [0, 4) s at 250 Hz is 1000 samples.
/// </summary>
public sealed record EpochOptions
{
    /// <summary>Marker string to class index (0-based). Markers not listed are ignored and counted.</summary>
    public required IReadOnlyDictionary<string, int> Classes { get; init; }

    /// <summary>Start of the epoch relative to the marker, seconds (negative: before the marker).</summary>
    public required double TMin { get; init; }

    /// <summary>End of the epoch relative to the marker, seconds (exclusive).</summary>
    public required double TMax { get; init; }

    /// <summary>
    /// Seconds of data kept for markers that arrive after their data (marker streams are often late:
    /// a cue is pushed after the display flip, or a slower inlet delivers it). A marker later than this
    /// finds its data gone and is counted as lost.
    /// </summary>
    public double HistorySeconds { get; init; } = 30;

    /// <summary>Markers kept while waiting for their data; past this the oldest waiting one is dropped and counted as lost.</summary>
    public int MaxPendingMarkers { get; init; } = 256;

    /// <summary>Gap rule; an epoch spanning a gap or jump back is dropped and counted. Null: no gap checks.</summary>
    public GapPolicy? Gaps { get; init; } = GapPolicy.Default;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Classes);
        if (!(TMax > TMin) || !double.IsFinite(TMin) || !double.IsFinite(TMax))
        {
            throw new ArgumentException($"An epoch needs TMax > TMin (got [{TMin}, {TMax}]).");
        }
        if (Classes.Values.Any(c => c < 0))
        {
            throw new ArgumentException("Class indices start at 0.");
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(HistorySeconds);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPendingMarkers, 1);
    }
}
