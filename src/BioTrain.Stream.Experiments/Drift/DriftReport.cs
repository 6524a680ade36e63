using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;
using BioTrain.Stream.Experiments.Results;

namespace BioTrain.Stream.Experiments.Drift;

/// <summary>Everything one run of the drift protocol publishes: what was run, how, and every measured accuracy.</summary>
public sealed record DriftReport : PublishedReport
{
    public DriftReport()
    {
    }

    [SetsRequiredMembers]
    public DriftReport(ReportBasis basis, IReadOnlyList<int> trials, int dayOneEpochs, IReadOnlyList<DriftRun> runs)
        : base(basis)
    {
        Trials = trials;
        DayOneEpochs = dayOneEpochs;
        Runs = runs;
    }

    [JsonPropertyOrder(8)]
    public required IReadOnlyList<int> Trials { get; init; }

    [JsonPropertyOrder(10)]
    public required int DayOneEpochs { get; init; }

    [JsonPropertyOrder(13)]
    public required IReadOnlyList<DriftRun> Runs { get; init; }
}

/// <summary>
/// One cell of the drift tables: accuracy of (source, variant, day, mode, K) over users x seeds, and the
/// paired gains of the mode over no adaptation and over last-layer adaptation (same user, seed, day, K).
/// </summary>
public sealed record DriftCell(double Mean, double Std, int Count, double? OverNone, double? OverNoneStd, double? OverLast, double? OverLastStd);
