using System.Reflection;

namespace BioTrain.Stream.Cli;

/// <summary>How to start this same program again as another process: a benchmark's peer, the soak's daemon.</summary>
internal static class SelfCommand
{
    /// <summary>The program and what comes before a subcommand: the apphost or single-file build alone, or dotnet and the dll.</summary>
    public static IReadOnlyList<string> Prefix()
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        if (string.Equals(Path.GetFileNameWithoutExtension(self), "dotnet", StringComparison.Ordinal))
        {
            // Run from the build (dotnet biotrain.dll): the other process is the same dll. A single-file build is its own program.
            return [self, Path.Combine(AppContext.BaseDirectory, $"{Assembly.GetEntryAssembly()!.GetName().Name}.dll")];
        }

        return [self];
    }
}
