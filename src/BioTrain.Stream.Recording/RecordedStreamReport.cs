namespace BioTrain.Stream.Recording;

/// <summary>One recorded stream: identity, what was written, and what happened to its connection.</summary>
public sealed record RecordedStreamReport
{
    public uint StreamId { get; init; }
    public required string Name { get; init; }
    public required string Type { get; init; }
    public required string SourceId { get; init; }
    public required string Hostname { get; init; }
    public int Channels { get; init; }
    public double NominalRate { get; init; }
    public long Samples { get; init; }
    public double? FirstTimestamp { get; init; }
    public double? LastTimestamp { get; init; }

    /// <summary>Samples per second over the recorded timestamps (0 with fewer than two samples).</summary>
    public double EffectiveRate => Samples > 1 && LastTimestamp > FirstTimestamp ? (Samples - 1) / (LastTimestamp!.Value - FirstTimestamp!.Value) : 0.0;

    public int ClockOffsets { get; init; }

    /// <summary>The last time correction written (local − remote, seconds).</summary>
    public double? LastClockOffset { get; init; }

    /// <summary>How often the connection broke (the inlet recovered when the stream has a source_id).</summary>
    public long ConnectionLosses { get; init; }

    /// <summary>Samples the inlet's buffer dropped because they were not pulled in time.</summary>
    public long DroppedSamples { get; init; }

    /// <summary>True when the stream was lost for good (no source_id, so no recovery).</summary>
    public bool Lost { get; init; }
}
