using System.Buffers;
using BioTrain.Stream.Formats.Xdf;
using BioTrain.Stream.Lsl.Outlet;

namespace BioTrain.Stream.Recording;

/// <summary>
/// One stream's position in a replay, its outlet and its statistics. Times called "timeline" are
/// recorded seconds since the recording's start plus the loop shift; the replayer turns them into
/// local-clock times by dividing by the speed.
/// </summary>
internal abstract class StreamPlayer : IDisposable
{
    private readonly double _origin;
    private double _firstPush = double.NaN;
    private double _lastPush;
    private long _samplesAfterFirstChunk;

    protected StreamPlayer(ReplayStream stream, StreamOutlet outlet, double origin)
    {
        Stream = stream;
        Outlet = outlet;
        _origin = origin;
    }

    public ReplayStream Stream { get; }

    public StreamOutlet Outlet { get; }

    /// <summary>Index (within the stream's window) of the next sample to push in this pass.</summary>
    public int Next { get; private set; }

    public bool Done => Next >= Stream.SampleCount;

    public bool IsRegular => Stream.Info.NominalSrate > 0;

    /// <summary>Timeline time of this stream's last push in the current pass (regular streams wait a chunk interval after it).</summary>
    public double LastFlush { get; private set; } = double.NegativeInfinity;

    public LatencyHistogram PushErrors { get; } = new();

    public long SamplesPushed { get; private set; }

    public long ChunksPushed { get; private set; }

    public double EffectiveRate => _lastPush > _firstPush ? _samplesAfterFirstChunk / (_lastPush - _firstPush) : 0.0;

    public static StreamPlayer Create(ReplayStream stream, StreamOutlet outlet, double origin) => stream.Info.ChannelFormat switch
    {
        XdfChannelFormat.Float32 => new NumericStreamPlayer<float>(stream, outlet, origin),
        XdfChannelFormat.Double64 => new NumericStreamPlayer<double>(stream, outlet, origin),
        XdfChannelFormat.Int8 => new NumericStreamPlayer<sbyte>(stream, outlet, origin),
        XdfChannelFormat.Int16 => new NumericStreamPlayer<short>(stream, outlet, origin),
        XdfChannelFormat.Int32 => new NumericStreamPlayer<int>(stream, outlet, origin),
        XdfChannelFormat.Int64 => new NumericStreamPlayer<long>(stream, outlet, origin),
        XdfChannelFormat.String => new StringStreamPlayer(stream, outlet, origin),
        _ => throw new NotSupportedException($"channel format {stream.Info.ChannelFormat}"),
    };

    public void Rewind()
    {
        Next = 0;
        LastFlush = double.NegativeInfinity;
    }

    /// <summary>Timeline time of the next sample.</summary>
    public double NextDue(double shift) => Stream.Timestamps[Next] - _origin + shift;

    /// <summary>
    /// Timeline time of the first pending sample due at or after <paramref name="notBefore"/> (the last
    /// sample when none is): waking then pushes a chunk whose last sample is due right now, so the push
    /// is late only by the wake-up, not by up to a sample period.
    /// </summary>
    public double FirstDueFrom(double notBefore, double shift)
    {
        var stamps = Stream.Timestamps;
        var i = Next;
        while (i < stamps.Length - 1 && stamps[i] - _origin + shift < notBefore)
        {
            i++;
        }
        return stamps[i] - _origin + shift;
    }

    /// <summary>
    /// Pushes the samples due at or before timeline time <paramref name="until"/>, at most
    /// <paramref name="maxSamples"/>; returns how many, and the timeline time of the last one.
    /// </summary>
    public int PushUntil(double until, int maxSamples, in StampMap map, out double lastDue)
    {
        var stamps = Stream.Timestamps;
        var end = Next;
        var limit = stamps.Length - Next <= maxSamples ? stamps.Length : Next + maxSamples;
        while (end < limit && stamps[end] - _origin + map.Shift <= until)
        {
            end++;
        }
        var count = end - Next;
        lastDue = count > 0 ? stamps[end - 1] - _origin + map.Shift : until;
        if (count == 0)
        {
            return 0;
        }
        var pushed = ArrayPool<double>.Shared.Rent(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                pushed[i] = map.Map(stamps[Next + i]);
            }
            Push(Next, count, pushed.AsSpan(0, count));
        }
        finally
        {
            ArrayPool<double>.Shared.Return(pushed);
        }
        Next = end;
        LastFlush = until;
        return count;
    }

    /// <summary>Counts a pushed chunk: <paramref name="pushedAt"/> is local-clock seconds since the start.</summary>
    public void Record(int samples, double pushedAt, double? error)
    {
        if (double.IsNaN(_firstPush))
        {
            _firstPush = pushedAt;
        }
        else
        {
            _samplesAfterFirstChunk += samples;
        }
        _lastPush = pushedAt;
        SamplesPushed += samples;
        ChunksPushed++;
        if (error is { } e)
        {
            PushErrors.Add(e);
        }
    }

    /// <summary>Pushes samples <paramref name="first"/>.. of the window with the given timestamps.</summary>
    protected abstract void Push(int first, int count, ReadOnlySpan<double> timestamps);

    public void Dispose() => Outlet.Dispose();
}
