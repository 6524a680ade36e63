namespace BioTrain.Stream.Scenarios.Soak;

/// <summary>
/// When growth counts as a leak: over the samples after the warm-up, the least-squares growth per
/// hour is above the limit both over all of them and over their later half (so a rise that levels
/// off, such as the heap or the thread pool settling, is not one), with at least
/// <see cref="MinSamples"/> samples after the warm-up (fewer: not judged).
/// </summary>
public sealed record SoakLimits
{
    public double RssMbPerHour { get; init; } = 20;

    public double GcHeapMbPerHour { get; init; } = 10;

    public double ThreadsPerHour { get; init; } = 10;

    public double FdsPerHour { get; init; } = 10;

    public int MinSamples { get; init; } = 6;
}

/// <summary>What <c>biotrain bench soak</c> runs.</summary>
public sealed record SoakOptions
{
    /// <summary>The shipped recordings (replay-data/ of the repository).</summary>
    public required string ReplayData { get; init; }

    /// <summary>How to start this program: the program and what precedes a subcommand (the soak appends <c>run --config FILE</c>).</summary>
    public required IReadOnlyList<string> DaemonCommand { get; init; }

    public string Device { get; init; } = "emu:native";

    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(30);

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Samples taken before this (from the first sample) are shown but left out of the growth: start-up, JIT, calibration.</summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromMinutes(1);

    public SoakLimits Limits { get; init; } = new();

    /// <summary>Lines of progress.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Each sample as it is taken (called in order, on the soak's loop).</summary>
    public Action<SoakSample>? Sampled { get; init; }
}

/// <summary>
/// One look at the daemon. Predictions and the longest gap are those of the interval since the
/// previous sample, as received over LSL by the soak (a control app's view); the longest gap
/// includes the time since the last prediction, so a stall shows; null before the first prediction.
/// </summary>
public sealed record SoakSample(
    double Seconds,
    double RssMb,
    int Threads,
    int OpenFds,
    double GcHeapMb,
    double AllocatedMb,
    int Predictions,
    double? LongestGapMs,
    long PredictionsPublished,
    long WindowsDropped,
    int AdaptationRounds,
    string State);

/// <summary>
/// Growth of one figure after the warm-up: least-squares slope per hour over all the samples after it
/// and over their later half; the scatter of the samples about the line (standard deviation, in the
/// figure's unit); the limit (null: not judged, as allocations, whose growth is the allocation rate).
/// </summary>
public sealed record SoakGrowth(
    string Metric,
    string Unit,
    double AtWarmUpEnd,
    double AtEnd,
    double PerHour,
    double LaterHalfPerHour,
    double Scatter,
    double? LimitPerHour,
    bool Leak);

public sealed record SoakReport(
    string Device,
    string Daemon,
    int DaemonPid,
    double Minutes,
    double IntervalSeconds,
    double WarmUpSeconds,
    string WarmUp,
    double StrideMs,
    IReadOnlyList<SoakSample> Samples,
    int SamplesAfterWarmUp,
    IReadOnlyList<SoakGrowth> Growth,
    long PredictionsReceived,
    double? LongestGapMs,
    double? LongestGapMsOverall,
    int AdaptationRounds,
    SoakLimits Limits,
    string Verdict,
    IReadOnlyList<string> Findings,
    double Seconds)
{
    /// <summary>A leak or a stall was found.</summary>
    public bool Failed => Findings.Count > 0;
}
