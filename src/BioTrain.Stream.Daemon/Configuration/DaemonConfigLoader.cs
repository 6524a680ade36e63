using System.Text.Json;
using System.Text.Json.Serialization;

namespace BioTrain.Stream.Daemon.Configuration;

/// <summary>
/// Reads the configuration strictly: unknown keys, wrong types and out-of-range values are all
/// errors naming their JSON path, found at start-up rather than when a session first needs them.
/// </summary>
public static class DaemonConfigLoader
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        Converters = { new LowerCaseEnumConverterFactory() },
    };

    /// <summary>Reads and checks a file; a relative <c>model.initialWeights</c> is relative to the file's directory.</summary>
    public static DaemonOptions Load(string path, bool forPretraining = false)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DaemonConfigException($"cannot read configuration {path}: {e.Message}", e);
        }

        return Parse(text, path, Path.GetDirectoryName(Path.GetFullPath(path)), forPretraining);
    }

    /// <summary>Parses and checks; relative paths resolve against <paramref name="baseDirectory"/> (default: the working directory).</summary>
    public static DaemonOptions Parse(string json, string source = "(inline)", string? baseDirectory = null, bool forPretraining = false)
    {
        DaemonOptions? options;
        try
        {
            options = JsonSerializer.Deserialize<DaemonOptions>(json, Json);
        }
        catch (JsonException e)
        {
            throw new DaemonConfigException(source, [new ConfigError(e.Path ?? "$", Describe(e))]);
        }

        if (options is null)
        {
            throw new DaemonConfigException(source, [new ConfigError("$", "the configuration is empty (null)")]);
        }

        foreach (var session in options.Sessions)
        {
            if (session.Model.InitialWeights is { Length: > 0 } weights)
            {
                session.Model.InitialWeights = Path.GetFullPath(weights, baseDirectory ?? Environment.CurrentDirectory);
            }
        }

        var errors = DaemonConfigValidator.Validate(options, forPretraining);
        if (errors.Count > 0)
        {
            throw new DaemonConfigException(source, errors);
        }

        return options;
    }

    private static readonly JsonSerializerOptions Indented = new(Json) { WriteIndented = true };

    public static string Serialize(DaemonOptions options) => JsonSerializer.Serialize(options, Indented);

    private static string Describe(JsonException e)
    {
        // System.Text.Json's messages name .NET types; say what a user can act on.
        var message = e.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        message = cut > 0 ? message[..cut] : message;
        if (message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            return "unknown key (check its spelling; keys are camelCase)";
        }

        return message.Replace("System.", string.Empty, StringComparison.Ordinal);
    }
}
