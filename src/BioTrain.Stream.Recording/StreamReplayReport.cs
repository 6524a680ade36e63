namespace BioTrain.Stream.Recording;

/// <summary>What happened to one stream during a replay.</summary>
public sealed record StreamReplayReport
{
    public required string Name { get; init; }
    public required string Type { get; init; }
    public required string SourceId { get; init; }
    public int Channels { get; init; }

    /// <summary>The header's nominal rate (0 = irregular).</summary>
    public double NominalRate { get; init; }

    /// <summary>Rate measured over the file's timestamps.</summary>
    public double FileRate { get; init; }

    /// <summary>
    /// Samples per local-clock second as pushed (regular streams with two chunks or more, else 0): the
    /// first chunk's samples are left out, so this is the rate between the first and the last push.
    /// At speed X it is X times the file rate.
    /// </summary>
    public double EffectiveRate { get; init; }

    public long SamplesPushed { get; init; }
    public long ChunksPushed { get; init; }

    /// <summary>
    /// Per chunk: local time of the push (relative to the replay start) minus the time it was due
    /// (relative recorded time of its last sample / speed). Null at max speed, where there is no schedule.
    /// </summary>
    public TimingSummary? PushError { get; init; }

    /// <summary>Samples consumers lost because they fell behind (the outlet's count).</summary>
    public long DroppedByConsumers { get; init; }
}
