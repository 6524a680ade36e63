using System.Text.Json;
using System.Text.Json.Serialization;

namespace BioTrain.Stream.Experiments.Results;

/// <summary>How every experiment report is stored as results.json, and read back to rewrite its tables and plot.</summary>
public static class ReportJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Write<T>(T report) => JsonSerializer.Serialize(report, Options) + "\n";

    /// <summary>The report in <paramref name="directory"/>/results.json.</summary>
    public static async Task<T> ReadAsync<T>(string directory, CancellationToken cancellationToken)
        where T : class
    {
        var path = Path.Combine(directory, "results.json");
        await using var stream = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync<T>(stream, Options, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException($"{path} holds no report");
    }
}
