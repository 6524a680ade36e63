using System.Buffers;

namespace BioTrain.Stream.Device.Protocol.Messages;

/// <summary>SAMPLE_ACK (SPEC.md 3.8). The result fields are set when <see cref="Complete"/>.</summary>
public sealed record SampleAck(
    uint BatchId,
    ushort Index,
    bool Complete,
    uint Received,
    float Loss,
    ushort Predicted,
    ulong Instructions,
    IReadOnlyList<float> Probabilities)
{
    /// <summary>The <c>predicted</c> value of a staged batch-norm sample that has not run yet.</summary>
    public const ushort NotRunYet = 0xFFFF;

    public void Encode(IBufferWriter<byte> output)
    {
        var w = new PayloadWriter(output);
        w.U32(BatchId);
        w.U16(Index);
        w.U8(Complete ? (byte)1 : (byte)0);
        w.U8(0);
        w.U32(Received);
        if (Complete)
        {
            w.F32(Loss);
            w.U16(Predicted);
            w.U64(Instructions);
            w.U16(checked((ushort)Probabilities.Count));
            foreach (var p in Probabilities)
            {
                w.F32(p);
            }
        }
    }

    public static SampleAck Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, MessageType.SampleAck);
        var id = r.U32("batch_id");
        var index = r.U16("index");
        var complete = r.U8("complete") switch
        {
            0 => false,
            1 => true,
            var other => throw new MalformedPayloadException(MessageType.SampleAck, $"complete is {other}, not 0 or 1"),
        };
        r.U8("reserved");
        var received = r.U32("received");
        if (!complete)
        {
            r.End();
            return new SampleAck(id, index, false, received, 0, 0, 0, []);
        }

        var loss = r.F32("loss");
        var predicted = r.U16("predicted");
        var instructions = r.U64("instructions");
        var count = r.Count(r.U16("prob_count"), 4, "probs");
        var probs = new float[count];
        for (var i = 0; i < count; i++)
        {
            probs[i] = r.F32("probs");
        }

        r.End();
        return new SampleAck(id, index, true, received, loss, predicted, instructions, probs);
    }
}
