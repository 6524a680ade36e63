namespace BioTrain.Stream.Pipeline.Operators;

/// <summary>What a sample's timestamp says about the stream just before it.</summary>
internal enum Continuity
{
    /// <summary>It follows the previous sample.</summary>
    Continuous,

    /// <summary>It is the first sample of the stream.</summary>
    First,

    /// <summary>Samples are missing before it.</summary>
    Gap,

    /// <summary>Its timestamp went back (a clock reset).</summary>
    JumpBack,
}

/// <summary>
/// Classifies each sample against the previous one (by <see cref="GapPolicy"/>; a null policy sees no
/// gaps), remembering the last timestamp between chunks so the answer does not depend on the chunking.
/// </summary>
internal struct Discontinuities(GapPolicy? policy)
{
    private double _previous = double.NaN;

    public Continuity Check(double timestamp, double nominalRate, out long missing)
    {
        missing = 0;
        var previous = _previous;
        _previous = timestamp;
        if (double.IsNaN(previous))
        {
            return Continuity.First;
        }
        if (policy is null)
        {
            return Continuity.Continuous;
        }
        missing = policy.MissingBetween(previous, timestamp, nominalRate);
        return missing switch
        {
            0 => Continuity.Continuous,
            < 0 => Continuity.JumpBack,
            _ => Continuity.Gap,
        };
    }
}
