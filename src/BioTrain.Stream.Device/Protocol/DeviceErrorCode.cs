namespace BioTrain.Stream.Device.Protocol;

/// <summary>Error codes of protocol/SPEC.md section 4, carried by ERROR frames.</summary>
public enum DeviceErrorCode : ushort
{
    None = 0x0000,
    BadFraming = 0x0001,
    BadCrc = 0x0002,
    FrameTooLarge = 0x0003,
    BadLength = 0x0004,
    VersionMismatch = 0x0005,
    UnknownType = 0x0006,
    MalformedPayload = 0x0007,
    NotReady = 0x0008,
    Busy = 0x0009,
    NoMemory = 0x000A,
    Internal = 0x000B,
    NonFinite = 0x000C,
}

public static class DeviceErrorCodes
{
    /// <summary>The name SPEC.md uses, e.g. <c>BAD_CRC</c>.</summary>
    public static string SpecName(this DeviceErrorCode code) => code switch
    {
        DeviceErrorCode.None => "OK",
        DeviceErrorCode.BadFraming => "BAD_FRAMING",
        DeviceErrorCode.BadCrc => "BAD_CRC",
        DeviceErrorCode.FrameTooLarge => "FRAME_TOO_LARGE",
        DeviceErrorCode.BadLength => "BAD_LENGTH",
        DeviceErrorCode.VersionMismatch => "VERSION_MISMATCH",
        DeviceErrorCode.UnknownType => "UNKNOWN_TYPE",
        DeviceErrorCode.MalformedPayload => "MALFORMED_PAYLOAD",
        DeviceErrorCode.NotReady => "NOT_READY",
        DeviceErrorCode.Busy => "BUSY",
        DeviceErrorCode.NoMemory => "NO_MEMORY",
        DeviceErrorCode.Internal => "INTERNAL",
        DeviceErrorCode.NonFinite => "NON_FINITE",
        _ => $"0x{(ushort)code:X4}",
    };

    public static DeviceErrorCode FromSpecName(string name)
    {
        foreach (var code in Enum.GetValues<DeviceErrorCode>())
        {
            if (code.SpecName() == name)
            {
                return code;
            }
        }

        throw new ArgumentException($"unknown error name {name}", nameof(name));
    }
}
