namespace BioTrain.Stream.Lsl.Config;

/// <summary><c>[ports] IPv6</c>: which IP families LSL uses.</summary>
public enum IPv6Mode
{
    /// <summary>IPv4 and IPv6 (liblsl's default on Linux).</summary>
    Allow,

    /// <summary>IPv4 only.</summary>
    Disable,

    /// <summary>IPv6 only.</summary>
    Force,
}
