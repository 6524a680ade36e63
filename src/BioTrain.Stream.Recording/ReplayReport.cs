namespace BioTrain.Stream.Recording;

/// <summary>The outcome of a replay: settings, totals, and timing per stream.</summary>
public sealed record ReplayReport
{
    public required string Source { get; init; }
    public double Speed { get; init; }
    public bool MaxSpeed { get; init; }

    /// <summary>Whether timestamps were mapped onto the local clock.</summary>
    public bool Restamped { get; init; }

    /// <summary>Why timestamps were restamped without being asked to (EDF/BDF times, zero timestamps), else null.</summary>
    public string? RestampReason { get; init; }

    /// <summary>Passes started (1 without loop).</summary>
    public int Passes { get; init; }

    /// <summary>Whether the replay reached its end (false while running or after cancellation).</summary>
    public bool Completed { get; init; }

    public double RecordingSeconds { get; init; }
    public double ElapsedSeconds { get; init; }
    public long SamplesPushed { get; init; }

    /// <summary>Samples (of any width) pushed per local-clock second, all streams.</summary>
    public double SamplesPerSecond => ElapsedSeconds > 0 ? SamplesPushed / ElapsedSeconds : 0.0;

    public required IReadOnlyList<StreamReplayReport> Streams { get; init; }
}
