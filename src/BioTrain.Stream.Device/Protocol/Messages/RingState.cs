using System.Buffers;

namespace BioTrain.Stream.Device.Protocol.Messages;

/// <summary>RING_STATE (SPEC.md 3.14): samples the input ring holds (at most the window) and has taken since it started empty.</summary>
public sealed record RingState(uint Filled, ulong Total)
{
    public void Encode(IBufferWriter<byte> output)
    {
        var w = new PayloadWriter(output);
        w.U32(Filled);
        w.U64(Total);
    }

    public static RingState Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, MessageType.RingState);
        var state = new RingState(r.U32("filled"), r.U64("total"));
        r.End();
        return state;
    }
}
