using BioTrain.Stream.Formats.Xdf;
using BioTrain.Stream.Lsl.Config;

namespace BioTrain.Stream.Recording;

/// <summary>What a <see cref="Recorder"/> records and how often it writes clock offsets and boundaries (LabRecorder's defaults).</summary>
public sealed record RecorderOptions
{
    /// <summary>XPath predicate selecting the streams, e.g. <c>type='EEG' or type='Markers'</c>; empty records every stream.</summary>
    public string Query { get; init; } = "";

    /// <summary>Stop after this long; null records until cancelled.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>How often the inlets are emptied into the file (LabRecorder: 500 ms).</summary>
    public TimeSpan PullInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often each stream's clock offset is measured and written (LabRecorder: 5 s).</summary>
    public TimeSpan ClockOffsetInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a Boundary chunk is written (LabRecorder: 10 s).</summary>
    public TimeSpan BoundaryInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the resolver's results are checked for new streams.</summary>
    public TimeSpan ResolveInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often the file is flushed to the operating system.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Time allowed for a new stream's full info and for each time-correction estimate.</summary>
    public TimeSpan InfoTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Seconds of data each inlet buffers (×100 samples for irregular streams), as liblsl's max_buflen.</summary>
    public int MaxBufferSeconds { get; init; } = 360;

    /// <summary>Network settings; null loads lsl_api.cfg.</summary>
    public LslConfig? Config { get; init; }

    /// <summary>File layout; null writes LabRecorder's layout with the current date in the file header.</summary>
    public XdfWriterOptions? Writer { get; init; }
}
