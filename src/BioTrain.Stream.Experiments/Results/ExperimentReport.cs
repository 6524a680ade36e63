using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace BioTrain.Stream.Experiments.Results;

/// <summary>Everything one run of the experiment publishes: what was run, how, and what came out.</summary>
public sealed record ExperimentReport : PublishedReport
{
    public ExperimentReport()
    {
    }

    [SetsRequiredMembers]
    public ExperimentReport(ReportBasis basis, string holdOutUnit, string sessionMeaning, int heldOutUnits, string device, int driftTrials, IReadOnlyList<SummaryRow> summary, IReadOnlyList<RunResult> runs)
        : base(basis)
    {
        HoldOutUnit = holdOutUnit;
        SessionMeaning = sessionMeaning;
        HeldOutUnits = heldOutUnits;
        Device = device;
        DriftTrials = driftTrials;
        Summary = summary;
        Runs = runs;
    }

    [JsonPropertyOrder(4)]
    public required string HoldOutUnit { get; init; }

    [JsonPropertyOrder(5)]
    public required string SessionMeaning { get; init; }

    [JsonPropertyOrder(6)]
    public required int HeldOutUnits { get; init; }

    [JsonPropertyOrder(8)]
    public required string Device { get; init; }

    [JsonPropertyOrder(10)]
    public required int DriftTrials { get; init; }

    [JsonPropertyOrder(13)]
    public required IReadOnlyList<SummaryRow> Summary { get; init; }

    [JsonPropertyOrder(14)]
    public required IReadOnlyList<RunResult> Runs { get; init; }
}
