namespace BioTrain.Stream.Formats.Xdf;

/// <summary>How <see cref="XdfReader"/> treats timestamps.</summary>
public sealed record XdfReadOptions
{
    /// <summary>
    /// Map each stream's timestamps onto the recorder's clock with its ClockOffset chunks, by a least-squares
    /// line per clock segment (see <see cref="XdfClockSynchronizer"/>). Off by default: timestamps stay raw.
    /// </summary>
    public bool ApplyClockOffsets { get; init; }

    /// <summary>
    /// A jump in offset value (or a step back in time) larger than this, in seconds, starts a new clock
    /// segment, as after a sender's clock reset.
    /// </summary>
    public double ClockResetThresholdSeconds { get; init; } = 1.0;

    public static XdfReadOptions Default { get; } = new();
}
