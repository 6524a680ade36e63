namespace BioTrain.Stream.Device.Protocol;

/// <summary>The protocol version this host speaks (protocol/SPEC.md).</summary>
public static class ProtocolVersion
{
    public const ushort Major = 1;
    public const ushort Minor = 0;

    /// <summary>The header's version byte: the major version.</summary>
    public const byte FrameVersion = (byte)Major;

    /// <summary>Every device accepts at least this payload before CAPABILITIES says more.</summary>
    public const int MinimumMaxPayload = 256;
}
