using System.Buffers;

namespace BioTrain.Stream.Device.Protocol.Messages;

/// <summary>
/// PREDICTION (SPEC.md 3.15): the forward pass on the ring's window. Cycles and energy are GAP9
/// estimates (model E1, section 8), not measurements.
/// </summary>
public sealed record PredictionReply(
    ushort Predicted,
    uint Filled,
    ulong Total,
    ulong Instructions,
    ulong Macs,
    ulong EstimatedCycles,
    uint EstimatedEnergyMicrojoules,
    float[] Probabilities)
{
    public void Encode(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var w = new PayloadWriter(output);
        w.U16(Predicted);
        w.U16(checked((ushort)Probabilities.Length));
        w.U32(Filled);
        w.U64(Total);
        w.U64(Instructions);
        w.U64(Macs);
        w.U64(EstimatedCycles);
        w.U32(EstimatedEnergyMicrojoules);
        foreach (var p in Probabilities)
        {
            w.F32(p);
        }
    }

    public static PredictionReply Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, MessageType.Prediction);
        var predicted = r.U16("predicted");
        var count = r.U16("prob_count");
        var filled = r.U32("filled");
        var total = r.U64("total");
        var instructions = r.U64("instructions");
        var macs = r.U64("macs");
        var cycles = r.U64("est_cycles");
        var energy = r.U32("est_energy_uj");
        var probs = new float[r.Count(count, 4, "probs")];
        for (var i = 0; i < probs.Length; i++)
        {
            probs[i] = r.F32("probs");
        }

        r.End();
        if (predicted >= probs.Length && probs.Length > 0)
        {
            throw new MalformedPayloadException(MessageType.Prediction, $"predicted class {predicted} of {probs.Length}");
        }

        return new PredictionReply(predicted, filled, total, instructions, macs, cycles, energy, probs);
    }
}
