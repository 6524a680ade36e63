using Xunit;

namespace BioTrain.Stream.TestSupport;

/// <summary>
/// The real recordings in <c>../shared/replay-data</c> beside the checkout (the project's CI has
/// them; a plain clone does not). Tests that read them use <see cref="SharedDataFactAttribute"/>
/// or <see cref="SharedDataTheoryAttribute"/>: skipped with the reason when the folder is absent,
/// required when <c>BIOTRAIN_REQUIRE_SHARED_DATA=1</c> (set by <c>.ci/run</c>).
/// </summary>
public static class SharedRecordings
{
    public const string RequireVariable = "BIOTRAIN_REQUIRE_SHARED_DATA";

    public static string Folder { get; } = Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "replay-data"));

    public static bool Required => Environment.GetEnvironmentVariable(RequireVariable) == "1";

    public static bool Present => Directory.Exists(Folder);

    /// <summary>Why a test of the shared recordings does not run here, or null when it runs.</summary>
    public static string? SkipReason => Present || Required
        ? null
        : $"needs the shared recordings in {Folder}, which is absent ({RequireVariable}=1 makes this a failure)";

    /// <summary>A path under the shared folder; a clear failure when the folder is required and missing.</summary>
    public static string File(string relative)
    {
        if (!Present)
        {
            throw new DirectoryNotFoundException($"{RequireVariable}=1 but the shared recordings are not at {Folder}");
        }

        return Path.Combine(Folder, relative);
    }
}

/// <summary>A fact that reads <see cref="SharedRecordings"/>: skipped with the reason when they are absent.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute() => Skip = SharedRecordings.SkipReason;
}

/// <summary>A theory that reads <see cref="SharedRecordings"/>: skipped, before its data is enumerated, when they are absent.</summary>
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute() => Skip = SharedRecordings.SkipReason;
}
