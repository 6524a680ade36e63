using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;
using BioTrain.Stream.Experiments.Datasets;

namespace BioTrain.Stream.Experiments.Results;

/// <summary>What every published experiment report states (the JSON order of the fields is fixed, interleaved with each report's own): the data, the command that made it, the model, preprocessing, seeds, recipe, chance level and run time.</summary>
public abstract record PublishedReport
{
    /// <summary>For the JSON reader and object initialisers.</summary>
    protected PublishedReport()
    {
    }

    /// <summary>A report stating <paramref name="basis"/>; the derived report's constructor sets its own fields.</summary>
    [SetsRequiredMembers]
    protected PublishedReport(ReportBasis basis)
    {
        ArgumentNullException.ThrowIfNull(basis);
        Dataset = basis.Dataset;
        Command = basis.Command;
        Model = basis.Model;
        Preprocessing = basis.Preprocessing;
        Seeds = basis.Seeds;
        Recipe = basis.Recipe;
        ChanceLevel = basis.ChanceLevel;
        ElapsedSeconds = basis.ElapsedSeconds;
    }

    [JsonPropertyOrder(0)]
    public required string Dataset { get; init; }

    [JsonPropertyOrder(1)]
    public required string Command { get; init; }

    [JsonPropertyOrder(2)]
    public required string Model { get; init; }

    [JsonPropertyOrder(3)]
    public required string Preprocessing { get; init; }

    [JsonPropertyOrder(7)]
    public required IReadOnlyList<int> Seeds { get; init; }

    [JsonPropertyOrder(9)]
    public required TrainingRecipe Recipe { get; init; }

    [JsonPropertyOrder(11)]
    public required double ChanceLevel { get; init; }

    [JsonPropertyOrder(12)]
    public required double ElapsedSeconds { get; init; }
}

/// <summary>The fields every published report states, as one value (what <see cref="PublishedReport"/> holds).</summary>
public sealed record ReportBasis(string Dataset, string Command, string Model, string Preprocessing, IReadOnlyList<int> Seeds, TrainingRecipe Recipe, double ChanceLevel, double ElapsedSeconds)
{
    /// <summary>The basis of a run on <paramref name="dataset"/>: its name, model, preprocessing and chance level (one over its classes).</summary>
    public static ReportBasis Of(Dataset dataset, string command, IReadOnlyList<int> seeds, TrainingRecipe recipe, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return new ReportBasis(dataset.Name, command, dataset.Model.ToString(), dataset.Preprocessing, seeds, recipe, 1.0 / dataset.Classes.Count, elapsed.TotalSeconds);
    }
}
