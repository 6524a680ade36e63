using System.Buffers;

namespace BioTrain.Stream.Device.Protocol.Messages;

/// <summary>
/// BATCH_RESULT (SPEC.md 3.9). <see cref="EstimatedCycles"/> and <see cref="EstimatedEnergyMicrojoules"/>
/// are GAP9 estimates from model E1 (SPEC.md 8), not measurements.
/// </summary>
public sealed record BatchResult(
    uint BatchId,
    BatchMode Mode,
    ushort Count,
    float LossMean,
    ushort Correct,
    ushort Classes,
    ulong Instructions,
    ulong Macs,
    ulong EstimatedCycles,
    uint EstimatedEnergyMicrojoules,
    uint Step,
    uint ParamsCrc,
    IReadOnlyList<ushort> Confusion)
{
    public double Accuracy => Count == 0 ? 0 : (double)Correct / Count;

    /// <summary>Confusion count of samples with this label predicted as this class.</summary>
    public int ConfusionAt(int label, int predicted) => Confusion[(label * Classes) + predicted];

    public void Encode(IBufferWriter<byte> output)
    {
        var w = new PayloadWriter(output);
        w.U32(BatchId);
        w.U8((byte)Mode);
        w.U8(0);
        w.U16(Count);
        w.F32(LossMean);
        w.U16(Correct);
        w.U16(Classes);
        w.U64(Instructions);
        w.U64(Macs);
        w.U64(EstimatedCycles);
        w.U32(EstimatedEnergyMicrojoules);
        w.U32(Step);
        w.U32(ParamsCrc);
        foreach (var c in Confusion)
        {
            w.U16(c);
        }
    }

    public static BatchResult Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, MessageType.BatchResult);
        var id = r.U32("batch_id");
        var mode = (BatchMode)r.U8("mode");
        r.U8("reserved");
        var count = r.U16("count");
        var loss = r.F32("loss_mean");
        var correct = r.U16("correct");
        var classes = r.U16("classes");
        var instructions = r.U64("instructions");
        var macs = r.U64("macs");
        var cycles = r.U64("est_cycles");
        var energy = r.U32("est_energy_uj");
        var step = r.U32("step");
        var crc = r.U32("params_crc");
        var confusion = new ushort[r.Count((long)classes * classes, 2, "confusion")];
        for (var i = 0; i < confusion.Length; i++)
        {
            confusion[i] = r.U16("confusion");
        }

        r.End();
        return new BatchResult(id, mode, count, loss, correct, classes, instructions, macs, cycles, energy, step, crc, confusion);
    }
}
