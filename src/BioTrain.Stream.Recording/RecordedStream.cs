using BioTrain.Stream.Formats.Xdf;
using BioTrain.Stream.Lsl;
using BioTrain.Stream.Lsl.Inlet;

namespace BioTrain.Stream.Recording;

/// <summary>
/// One stream being recorded: its inlet (raw timestamps, no post-processing, as LabRecorder), its XDF
/// stream id, and counts for the report. Only the recorder's loop pulls; counters are read under its lock.
/// </summary>
internal abstract class RecordedStream : IAsyncDisposable
{
    protected RecordedStream(uint id, StreamInlet inlet, XdfStreamInfo header)
    {
        Id = id;
        Inlet = inlet;
        Header = header;
        Uid = inlet.Info.Uid;
    }

    public uint Id { get; }

    public StreamInlet Inlet { get; }

    public XdfStreamInfo Header { get; }

    /// <summary>The uid the stream was first recorded under (the inlet may switch to a restarted outlet).</summary>
    public string Uid { get; }

    public long Samples { get; private set; }

    public double FirstTimestamp { get; private set; }

    public double LastTimestamp { get; private set; }

    public int ClockOffsets { get; private set; }

    public double? LastClockOffset { get; private set; }

    /// <summary>Set when the inlet gave up (no source_id, so no recovery): nothing more will arrive.</summary>
    public bool Lost { get; private set; }

    public static RecordedStream Create(uint id, StreamInlet inlet, XdfStreamInfo header, int capacity) => header.ChannelFormat switch
    {
        XdfChannelFormat.Float32 => new NumericRecordedStream<float>(id, inlet, header, capacity),
        XdfChannelFormat.Double64 => new NumericRecordedStream<double>(id, inlet, header, capacity),
        XdfChannelFormat.Int8 => new NumericRecordedStream<sbyte>(id, inlet, header, capacity),
        XdfChannelFormat.Int16 => new NumericRecordedStream<short>(id, inlet, header, capacity),
        XdfChannelFormat.Int32 => new NumericRecordedStream<int>(id, inlet, header, capacity),
        XdfChannelFormat.Int64 => new NumericRecordedStream<long>(id, inlet, header, capacity),
        XdfChannelFormat.String => new StringRecordedStream(id, inlet, header, capacity),
        _ => throw new NotSupportedException($"channel format {header.ChannelFormat}"),
    };

    /// <summary>Moves everything the inlet holds into the file; returns the number of samples written.</summary>
    public long Drain(XdfWriter writer)
    {
        if (Lost)
        {
            return 0;
        }
        long total = 0;
        try
        {
            int n;
            while ((n = PullAndWrite(writer)) > 0)
            {
                total += n;
            }
        }
        catch (LslLostException)
        {
            Lost = true;
        }
        return total;
    }

    public void RecordClockOffset(double offset)
    {
        ClockOffsets++;
        LastClockOffset = offset;
    }

    /// <summary>Pulls one chunk without waiting and writes it; returns how many samples (0 when the inlet is empty).</summary>
    protected abstract int PullAndWrite(XdfWriter writer);

    protected void Count(ReadOnlySpan<double> timestamps)
    {
        if (timestamps.IsEmpty)
        {
            return;
        }
        if (Samples == 0)
        {
            FirstTimestamp = timestamps[0];
        }
        LastTimestamp = timestamps[^1];
        Samples += timestamps.Length;
    }

    public ValueTask DisposeAsync() => Inlet.DisposeAsync();
}
