namespace BioTrain.Stream.Device.Diagnostics;

/// <summary>
/// What a <see cref="FaultInjectingProxy"/> does to the bytes it forwards: per-byte rates of
/// corruption (a random bit flipped), loss and duplication, and a per-read chance of holding the
/// data back for <see cref="Delay"/>. <see cref="DropRate"/> 1 is total loss.
/// </summary>
public sealed record FaultProfile
{
    public double CorruptRate { get; init; }

    public double DropRate { get; init; }

    public double DuplicateRate { get; init; }

    public double DelayChance { get; init; }

    public TimeSpan Delay { get; init; } = TimeSpan.FromMilliseconds(5);

    public int Seed { get; init; } = 1;

    public static FaultProfile Clean { get; } = new();

    public static FaultProfile TotalLoss { get; } = new() { DropRate = 1 };
}
