namespace BioTrain.Stream.Device;

/// <summary>
/// Where the product's files are: the source tree it runs from (found upwards from the executable,
/// then from the working directory, by its solution file) or the installed locations. The one place
/// that knows the layout: firmware builds, the shipped recordings, the shared real recordings.
/// </summary>
public sealed record ProductPaths(string? SourceRoot)
{
    public const string SolutionFile = "BioTrain.Stream.sln";
    public const string InstalledReplayData = "/usr/share/biotrain/replay-data";

    /// <summary>The paths of the program that is running.</summary>
    public static ProductPaths Locate() => new(FindSourceRoot(AppContext.BaseDirectory) ?? FindSourceRoot(Environment.CurrentDirectory));

    /// <summary>The nearest folder at or above <paramref name="start"/> holding the solution file, or null.</summary>
    public static string? FindSourceRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    /// <summary>Where the source tree's build puts the firmware (null outside a source tree).</summary>
    public string? FirmwareBuild => SourceRoot is null ? null : Path.Combine(SourceRoot, "build", "firmware", "bin");

    /// <summary>The shipped recordings: the source tree's replay-data/, else the installed copy; null when neither exists.</summary>
    public string? ReplayData
    {
        get
        {
            if (SourceRoot is not null && File.Exists(Path.Combine(SourceRoot, "replay-data", "manifest.json")))
            {
                return Path.Combine(SourceRoot, "replay-data");
            }

            return Directory.Exists(InstalledReplayData) ? InstalledReplayData : null;
        }
    }

    /// <summary>
    /// The real recordings shared beside the checkout (<c>../shared/replay-data</c>); outside a source
    /// tree, beside the working directory. They are read there, never copied into the repository.
    /// </summary>
    public string SharedReplayData => Path.GetFullPath(Path.Combine(SourceRoot ?? Environment.CurrentDirectory, "..", "shared", "replay-data"));
}
