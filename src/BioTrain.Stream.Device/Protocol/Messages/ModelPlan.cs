using System.Buffers;

namespace BioTrain.Stream.Device.Protocol.Messages;

/// <summary>
/// MODEL_PLAN (SPEC.md 3.6): the device's memory plan for the loaded model and configuration, and
/// the input ring it reserved beside it (3.14).
/// </summary>
public sealed record ModelPlan(
    uint ArenaBytes,
    uint PeakBytes,
    uint NaiveBytes,
    uint WeightBytes,
    uint GradBytes,
    uint OptimBytes,
    uint ActivationBytes,
    uint ParamCount,
    uint TrainableCount,
    ulong MacsForward,
    uint InputValues,
    ushort Classes,
    ushort BatchResident,
    uint ModelCrc,
    uint RingBytes)
{
    public void Encode(IBufferWriter<byte> output)
    {
        var w = new PayloadWriter(output);
        w.U32(ArenaBytes);
        w.U32(PeakBytes);
        w.U32(NaiveBytes);
        w.U32(WeightBytes);
        w.U32(GradBytes);
        w.U32(OptimBytes);
        w.U32(ActivationBytes);
        w.U32(ParamCount);
        w.U32(TrainableCount);
        w.U64(MacsForward);
        w.U32(InputValues);
        w.U16(Classes);
        w.U16(BatchResident);
        w.U32(ModelCrc);
        w.U32(RingBytes);
    }

    public static ModelPlan Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, MessageType.ModelPlan);
        var plan = new ModelPlan(
            r.U32("arena_bytes"), r.U32("peak_bytes"), r.U32("naive_bytes"), r.U32("weight_bytes"), r.U32("grad_bytes"),
            r.U32("optim_bytes"), r.U32("activation_bytes"), r.U32("param_count"), r.U32("trainable_count"),
            r.U64("macs_forward"), r.U32("input_values"), r.U16("classes"), r.U16("batch_resident"), r.U32("model_crc"),
            r.U32("ring_bytes"));
        r.End();
        return plan;
    }
}
