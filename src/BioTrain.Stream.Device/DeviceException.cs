namespace BioTrain.Stream.Device;

/// <summary>Base of every error the device layer raises.</summary>
public class DeviceException : Exception
{
    public DeviceException()
    {
    }

    public DeviceException(string message)
        : base(message)
    {
    }

    public DeviceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A virtual device could not be started or a device could not be opened.</summary>
public class DeviceStartException : DeviceException
{
    public DeviceStartException()
    {
    }

    public DeviceStartException(string message)
        : base(message)
    {
    }

    public DeviceStartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A device address (URI) that does not parse or names an unknown scheme.</summary>
public class DeviceAddressException : DeviceException
{
    public DeviceAddressException()
    {
    }

    public DeviceAddressException(string message)
        : base(message)
    {
    }

    public DeviceAddressException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The device sent bytes the host cannot accept: a rejected frame, an unexpected message, a bad echo.</summary>
public class DeviceProtocolException : DeviceException
{
    public DeviceProtocolException()
    {
    }

    public DeviceProtocolException(string message)
        : base(message)
    {
    }

    public DeviceProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DeviceProtocolException(Protocol.DeviceErrorCode frameError, string message)
        : base(message) => FrameError = frameError;

    /// <summary>Why a received frame was rejected, when that is the cause.</summary>
    public Protocol.DeviceErrorCode FrameError { get; }
}

/// <summary>A payload that does not parse as its message type says.</summary>
public class MalformedPayloadException : DeviceProtocolException
{
    public MalformedPayloadException()
    {
    }

    public MalformedPayloadException(string message)
        : base(message)
    {
    }

    public MalformedPayloadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public MalformedPayloadException(Protocol.MessageType type, string detail)
        : base(Protocol.DeviceErrorCode.MalformedPayload, $"malformed {type} payload: {detail}") => MessageType = type;

    public Protocol.MessageType MessageType { get; }
}

/// <summary>The device answered a request with an ERROR frame.</summary>
public class DeviceErrorException : DeviceException
{
    public DeviceErrorException()
    {
    }

    public DeviceErrorException(string message)
        : base(message)
    {
    }

    public DeviceErrorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DeviceErrorException(Protocol.DeviceErrorCode code, string deviceText, string message)
        : base(message)
    {
        Code = code;
        DeviceText = deviceText;
    }

    public Protocol.DeviceErrorCode Code { get; }

    /// <summary>The ERROR frame's text, as the device wrote it.</summary>
    public string DeviceText { get; } = string.Empty;
}

/// <summary>Host and device speak different protocol major versions.</summary>
public class ProtocolVersionMismatchException : DeviceErrorException
{
    public ProtocolVersionMismatchException()
    {
    }

    public ProtocolVersionMismatchException(string message)
        : base(message)
    {
    }

    public ProtocolVersionMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ProtocolVersionMismatchException(string deviceText, string message)
        : base(Protocol.DeviceErrorCode.VersionMismatch, deviceText, message)
    {
    }
}

/// <summary>A request got no answer within its timeout. The client stays usable.</summary>
public class DeviceTimeoutException : DeviceException
{
    public DeviceTimeoutException()
    {
    }

    public DeviceTimeoutException(string message)
        : base(message)
    {
    }

    public DeviceTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The link to the device is gone (the device or its process went away, or the client was disposed).</summary>
public class DeviceDisconnectedException : DeviceException
{
    public DeviceDisconnectedException()
    {
    }

    public DeviceDisconnectedException(string message)
        : base(message)
    {
    }

    public DeviceDisconnectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The device stopped answering: its link closed, or nothing valid came back within the request
/// deadline despite retransmissions. A resilient session reconnects and restores it.
/// </summary>
public class DeviceLostException : DeviceDisconnectedException
{
    public DeviceLostException()
    {
    }

    public DeviceLostException(string message)
        : base(message)
    {
    }

    public DeviceLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
