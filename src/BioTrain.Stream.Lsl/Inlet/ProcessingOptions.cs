namespace BioTrain.Stream.Lsl.Inlet;

/// <summary>Timestamp post-processing of an inlet (liblsl's proc_* flags; nothing changes on the wire).</summary>
[Flags]
public enum ProcessingOptions
{
    None = 0,

    /// <summary>Add the current time correction: remote timestamps become local ones.</summary>
    ClockSync = 1,

    /// <summary>Smooth timestamps of regular streams with a recursive least-squares line fit.</summary>
    Dejitter = 2,

    /// <summary>Never return a timestamp lower than the previous one.</summary>
    Monotonize = 4,

    /// <summary>Serialise processing (pulls are always serialised here; kept for parity).</summary>
    ThreadSafe = 8,

    All = ClockSync | Dejitter | Monotonize | ThreadSafe,
}
