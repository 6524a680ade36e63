
namespace BioTrain.Stream.Recording.Tests;

internal static class TestFiles
{
    /// <summary>A file under the repository's replay-data/ (synthetic recordings the project ships).</summary>
    public static string Shipped(string relative) => Path.Combine(RepoPaths.Root, "replay-data", relative);
}
