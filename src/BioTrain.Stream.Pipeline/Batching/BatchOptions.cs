namespace BioTrain.Stream.Pipeline.Batching;

/// <summary>
/// Class-balanced batching: a batch takes <see cref="PerClass"/> windows of each of the
/// <see cref="ClassCount"/> classes, interleaved class by class (0, 1, ..., 0, 1, ...), so a batch of
/// B = ClassCount x PerClass (e.g. 8 = 2 x 4, the batch BioTrain fine-tunes with) never leans to one class.
/// </summary>
public sealed record BatchOptions
{
    public required int ClassCount { get; init; }

    public required int PerClass { get; init; }

    /// <summary>Windows kept per class while the other classes catch up; past this the oldest of that class is dropped and counted.</summary>
    public int QueueCapacity { get; init; } = 64;

    /// <summary>At the end of the input, emit what is left (class by class, possibly unbalanced) instead of dropping it.</summary>
    public bool EmitRemainderOnCompletion { get; init; }

    public int BatchSize => ClassCount * PerClass;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ClassCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(PerClass, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(QueueCapacity, PerClass);
    }
}
