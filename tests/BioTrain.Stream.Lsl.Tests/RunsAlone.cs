namespace BioTrain.Stream.Lsl.Tests;

/// <summary>Tests that count process-wide things (thread-pool work items, samples lost to a slow pool) run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    public const string Name = "serial";
}
