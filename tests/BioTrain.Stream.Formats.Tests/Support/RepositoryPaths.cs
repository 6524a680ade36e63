namespace BioTrain.Stream.Formats.Tests.Support;

/// <summary>Finds the repository and the shared data beside it (the clone has ../shared next to it).</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>../shared/replay-data relative to the repository.</summary>
    public static string SharedReplayData => Path.GetFullPath(Path.Combine(Root, "..", "shared", "replay-data"));

    public static string SharedFile(string relative) => Path.Combine(SharedReplayData, relative);

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "BioTrain.Stream.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("BioTrain.Stream.sln not found above " + AppContext.BaseDirectory);
    }
}
