using System.Text.Json.Serialization;
using BioTrain.Stream.Experiments.Datasets;

namespace BioTrain.Stream.Experiments.Results;

/// <summary>What every published experiment report states (the JSON order of the fields is fixed, interleaved with each report's own): the data, the command that made it, the model, preprocessing, seeds, recipe, chance level and run time.</summary>
public abstract record PublishedReport
{
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
