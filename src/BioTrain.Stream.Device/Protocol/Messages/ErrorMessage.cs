using System.Buffers;

namespace BioTrain.Stream.Device.Protocol.Messages;

/// <summary>ERROR (protocol/SPEC.md 3.3).</summary>
public sealed record ErrorMessage(DeviceErrorCode Code, byte RequestType, string Text)
{
    public void Encode(IBufferWriter<byte> output)
    {
        var w = new PayloadWriter(output);
        w.U16((ushort)Code);
        w.U8(RequestType);
        w.U8(0);
        w.Str8(Text);
    }

    public static ErrorMessage Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, MessageType.Error);
        var code = (DeviceErrorCode)r.U16("code");
        var requestType = r.U8("request_type");
        r.U8("reserved");
        var text = r.Str8("text");
        r.End();
        return new ErrorMessage(code, requestType, text);
    }
}
