using System.Text.Json;
using System.Text.Json.Serialization;

namespace BioTrain.Stream.Cli;

/// <summary>Shared output conventions: JSON for machines (snake_case), errors on stderr with exit code 1.</summary>
internal static class CliOutput
{
    public static JsonSerializerOptions Json { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static void WriteJson<T>(TextWriter output, T value) => output.WriteLine(JsonSerializer.Serialize(value, Json));

    /// <summary>Runs a command body; a typed error becomes one line on stderr and exit code 1.</summary>
    public static async Task<int> RunAsync(Func<Task<int>> body, TextWriter error)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (Device.DeviceException e)
        {
            await error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (HttpRequestException e)
        {
            await error.WriteLineAsync($"error: cannot reach the daemon: {e.Message} (is `biotrain run` up? see --control)").ConfigureAwait(false);
            return 1;
        }
        catch (Daemon.Configuration.DaemonConfigException e)
        {
            await error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return 2;
        }
        catch (Daemon.Pretraining.PretrainException e)
        {
            await error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return 2;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("cancelled").ConfigureAwait(false);
            return 130;
        }
    }
}
