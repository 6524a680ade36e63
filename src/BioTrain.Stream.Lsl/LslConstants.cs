namespace BioTrain.Stream.Lsl;

/// <summary>Constants shared with liblsl's C API.</summary>
public static class LslConstants
{
    /// <summary>Protocol version spoken by default (1.10).</summary>
    public const int ProtocolVersion = 110;

    /// <summary>The liblsl release whose behaviour this implementation follows.</summary>
    public const int LibraryVersion = 116;

    /// <summary>A timestamp of this value means "previous timestamp + 1/srate".</summary>
    public const double DeducedTimestamp = -1.0;

    /// <summary>A timeout that never ends, as in liblsl.</summary>
    public const double Forever = 32000000.0;

    /// <summary>Nominal rate of irregular (marker) streams.</summary>
    public const double IrregularRate = 0.0;

    /// <summary>Timestamp of the two test-pattern samples sent after a feed header.</summary>
    public const double TestPatternTimestamp = 123456.789;
}
