using System.Buffers;

namespace BioTrain.Stream.Device.Protocol.Messages;

/// <summary>Encoders of the small fixed requests and responses (SPEC.md 3.4-3.13).</summary>
public static class Requests
{
    public static void ModelBegin(IBufferWriter<byte> output, uint size, uint crc)
    {
        var w = new PayloadWriter(output);
        w.U32(size);
        w.U32(crc);
    }

    /// <summary>MODEL_CHUNK and WEIGHTS_WRITE: an offset, then bytes.</summary>
    public static void Chunk(IBufferWriter<byte> output, uint offset, ReadOnlySpan<byte> bytes)
    {
        var w = new PayloadWriter(output);
        w.U32(offset);
        w.Bytes(bytes);
    }

    public static void BatchBegin(IBufferWriter<byte> output, uint batchId, BatchMode mode, ushort count)
    {
        var w = new PayloadWriter(output);
        w.U32(batchId);
        w.U8((byte)mode);
        w.U8(0);
        w.U16(count);
    }

    public static void Sample(IBufferWriter<byte> output, uint batchId, ushort index, ushort label, uint offset, ReadOnlySpan<byte> bytes)
    {
        var w = new PayloadWriter(output);
        w.U32(batchId);
        w.U16(index);
        w.U16(label);
        w.U32(offset);
        w.Bytes(bytes);
    }

    /// <summary>BATCH_END, WEIGHTS_COMMIT, CHUNK_ACK, WEIGHTS_DONE: one u32.</summary>
    public static void U32(IBufferWriter<byte> output, uint value) => new PayloadWriter(output).U32(value);

    /// <summary>BATCH_READY, WEIGHTS_READ: two u32.</summary>
    public static void U32Pair(IBufferWriter<byte> output, uint first, uint second)
    {
        var w = new PayloadWriter(output);
        w.U32(first);
        w.U32(second);
    }

    public static void Reset(IBufferWriter<byte> output) => new PayloadWriter(output).U8(0);

    /// <summary>Reads a payload of exactly one u32 (CHUNK_ACK, WEIGHTS_DONE, BATCH_END).</summary>
    public static uint ReadU32(ReadOnlySpan<byte> payload, MessageType type, string field)
    {
        var r = new PayloadReader(payload, type);
        var value = r.U32(field);
        r.End();
        return value;
    }

    /// <summary>Reads a payload of exactly two u32 (BATCH_READY, WEIGHTS_READ).</summary>
    public static (uint First, uint Second) ReadU32Pair(ReadOnlySpan<byte> payload, MessageType type, string first, string second)
    {
        var r = new PayloadReader(payload, type);
        var a = r.U32(first);
        var b = r.U32(second);
        r.End();
        return (a, b);
    }
}
