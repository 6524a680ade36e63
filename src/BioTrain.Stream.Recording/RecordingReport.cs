namespace BioTrain.Stream.Recording;

/// <summary>The outcome of a recording.</summary>
public sealed record RecordingReport
{
    public required string Path { get; init; }
    public double ElapsedSeconds { get; init; }
    public long BytesWritten { get; init; }
    public int Boundaries { get; init; }

    /// <summary>Whether the file has its footers (it always has once <see cref="Recorder.RunAsync"/> returned).</summary>
    public bool Completed { get; init; }

    public required IReadOnlyList<RecordedStreamReport> Streams { get; init; }

    public long Samples => Streams.Sum(s => s.Samples);

    /// <summary>Samples (of any width) written per second of recording, all streams.</summary>
    public double SamplesPerSecond => ElapsedSeconds > 0 ? Samples / ElapsedSeconds : 0.0;
}
