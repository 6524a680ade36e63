namespace BioTrain.Stream.Device.Protocol;

/// <summary>Message types of protocol/SPEC.md section 3. A response is its request's type with bit 7 set.</summary>
public enum MessageType : byte
{
    Hello = 0x01,
    Ping = 0x02,
    Capabilities = 0x81,
    Pong = 0x82,
    Error = 0xFF,
}

public static class MessageTypes
{
    public static MessageType ResponseTo(MessageType request) => (MessageType)((byte)request | 0x80);

    public static bool IsKnown(MessageType type) => Enum.IsDefined(type);
}
