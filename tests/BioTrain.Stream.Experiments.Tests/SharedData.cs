namespace BioTrain.Stream.Experiments.Tests;

/// <summary>The checkout the tests run from, and the shared real recordings beside it (../shared/replay-data).</summary>
internal static class SharedData
{
    public static string Repository { get; } = FindRepository();

    public static string Root => Path.GetFullPath(Path.Combine(Repository, "..", "shared", "replay-data"));

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BioTrain.Stream.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("tests run inside the source tree");
    }
}
