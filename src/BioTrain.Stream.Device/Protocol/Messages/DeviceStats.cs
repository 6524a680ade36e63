using System.Buffers;

namespace BioTrain.Stream.Device.Protocol.Messages;

/// <summary>STATS_REPLY (SPEC.md 3.12).</summary>
public sealed record DeviceStats(
    ulong UptimeMicroseconds,
    uint ArenaBytes,
    uint PeakBytes,
    bool ModelLoaded,
    uint FramesOk,
    uint FramesRejected,
    uint ErrorsSent,
    uint Duplicates,
    uint Batches,
    uint Samples,
    uint Steps,
    ulong Instructions,
    uint ParamsCrc)
{
    public void Encode(IBufferWriter<byte> output)
    {
        var w = new PayloadWriter(output);
        w.U64(UptimeMicroseconds);
        w.U32(ArenaBytes);
        w.U32(PeakBytes);
        w.U8(ModelLoaded ? (byte)1 : (byte)0);
        w.U8(0);
        w.U16(0);
        w.U32(FramesOk);
        w.U32(FramesRejected);
        w.U32(ErrorsSent);
        w.U32(Duplicates);
        w.U32(Batches);
        w.U32(Samples);
        w.U32(Steps);
        w.U64(Instructions);
        w.U32(ParamsCrc);
    }

    public static DeviceStats Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, MessageType.StatsReply);
        var uptime = r.U64("uptime_us");
        var arena = r.U32("arena_bytes");
        var peak = r.U32("peak_bytes");
        var loaded = r.U8("model_loaded") != 0;
        r.U8("reserved");
        r.U16("reserved2");
        var stats = new DeviceStats(
            uptime, arena, peak, loaded, r.U32("frames_ok"), r.U32("frames_rejected"), r.U32("errors_sent"), r.U32("duplicates"),
            r.U32("batches"), r.U32("samples"), r.U32("steps"), r.U64("instructions"), r.U32("params_crc"));
        r.End();
        return stats;
    }
}
