namespace BioTrain.Stream.Device.Protocol;

/// <summary>Message types of protocol/SPEC.md section 3. A response is its request's type with bit 7 set.</summary>
public enum MessageType : byte
{
    Hello = 0x01,
    Ping = 0x02,
    Stats = 0x03,
    Reset = 0x04,
    ModelBegin = 0x10,
    ModelChunk = 0x11,
    ModelCommit = 0x12,
    Configure = 0x13,
    BatchBegin = 0x20,
    Sample = 0x21,
    BatchEnd = 0x22,
    SamplesAppend = 0x24,
    Predict = 0x25,
    WeightsRead = 0x30,
    WeightsWrite = 0x31,
    WeightsCommit = 0x32,
    Capabilities = 0x81,
    Pong = 0x82,
    StatsReply = 0x83,
    ResetDone = 0x84,
    ModelReady = 0x90,
    ChunkAck = 0x91,
    ModelPlan = 0x92,
    ConfigurePlan = 0x93,
    BatchReady = 0xA0,
    SampleAck = 0xA1,
    BatchResult = 0xA2,
    RingState = 0xA4,
    Prediction = 0xA5,
    WeightsData = 0xB0,
    WeightsAck = 0xB1,
    WeightsDone = 0xB2,
    Error = 0xFF,
}

public static class MessageTypes
{
    public static MessageType ResponseTo(MessageType request) => (MessageType)((byte)request | 0x80);

    public static bool IsKnown(MessageType type) => Enum.IsDefined(type);
}
