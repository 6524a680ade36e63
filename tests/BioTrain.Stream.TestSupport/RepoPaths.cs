namespace BioTrain.Stream.TestSupport;

/// <summary>Paths in the source tree the tests run from.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Vectors => Path.Combine(Root, "protocol", "vectors");

    public static string FirmwareBin => Path.Combine(Root, "build", "firmware", "bin");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BioTrain.Stream.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("tests must run inside the source tree");
    }
}
