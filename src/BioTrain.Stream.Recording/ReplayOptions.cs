using BioTrain.Stream.Lsl.Config;

namespace BioTrain.Stream.Recording;

/// <summary>How a <see cref="Replayer"/> paces and stamps a recording.</summary>
public sealed record ReplayOptions
{
    /// <summary>Playback speed factor (2 = twice as fast). Ignored with <see cref="MaxSpeed"/>.</summary>
    public double Speed { get; init; } = 1.0;

    /// <summary>Push as fast as the consumers take it, pacing on the outlets' backlog instead of the clock.</summary>
    public bool MaxSpeed { get; init; }

    /// <summary>Start again at the end; timestamps keep increasing by one recording length per pass.</summary>
    public bool Loop { get; init; }

    /// <summary>With <see cref="Loop"/>: how many passes in all (null: until cancelled).</summary>
    public int? LoopCount { get; init; }

    /// <summary>
    /// Map recorded time onto <c>LslClock.LocalClock()</c>: the first sample is stamped with the local
    /// clock at the start, later ones with start + relative time / speed. Without it, the recorded
    /// timestamps are pushed unchanged (plus the loop offset).
    /// </summary>
    public bool Restamp { get; init; }

    /// <summary>Regular streams are pushed in chunks this far apart; irregular (marker) samples at their own time.</summary>
    public TimeSpan ChunkInterval { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Before starting, wait up to this long until every outlet has a consumer (so none misses the beginning).</summary>
    public TimeSpan WaitForConsumers { get; init; } = TimeSpan.Zero;

    /// <summary>At the end, wait up to this long for consumers to take what was pushed before returning.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Max speed: recorded seconds pushed between two looks at the backlog.</summary>
    public double MaxSpeedStepSeconds { get; init; } = 0.25;

    /// <summary>Max speed: pushing pauses while any outlet has more than this many samples not yet sent to its slowest consumer.</summary>
    public long MaxSpeedBacklog { get; init; } = 8192;

    /// <summary>Network settings of the outlets; null loads lsl_api.cfg.</summary>
    public LslConfig? Config { get; init; }

    /// <summary>Receives the position about every <see cref="ProgressInterval"/>.</summary>
    public IProgress<ReplayProgress>? Progress { get; init; }

    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(500);
}
