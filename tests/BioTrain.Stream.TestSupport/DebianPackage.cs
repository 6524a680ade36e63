using Xunit;

namespace BioTrain.Stream.TestSupport;

/// <summary>
/// The Debian package <c>build/biotrain_VERSION_amd64.deb</c> that <c>./biotrain package</c> builds.
/// Installing it changes this machine (a user, /usr/bin/biotrain), so its test needs root and runs
/// only where the package was built; <c>BIOTRAIN_REQUIRE_PACKAGE=1</c> (set by <c>.ci/run</c>, which
/// builds it first) makes a missing package or a non-root run a failure instead of a skip.
/// </summary>
public static class DebianPackage
{
    public const string RequireVariable = "BIOTRAIN_REQUIRE_PACKAGE";

    public static bool Required => Environment.GetEnvironmentVariable(RequireVariable) == "1";

    /// <summary>The newest built package, or null.</summary>
    public static string? File => Directory.Exists(Path.Combine(RepoPaths.Root, "build"))
        ? Directory.GetFiles(Path.Combine(RepoPaths.Root, "build"), "biotrain_*_amd64.deb").OrderByDescending(System.IO.File.GetLastWriteTimeUtc).FirstOrDefault()
        : null;

    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>Why the package test does not run here, or null when it runs.</summary>
    public static string? SkipReason => Required || (IsRoot && File is not null)
        ? null
        : $"installs build/biotrain_*_amd64.deb with dpkg: needs root and the package (./biotrain package); {RequireVariable}=1 makes this a failure";
}

/// <summary>A fact that installs the Debian package: skipped with the reason where it cannot.</summary>
public sealed class DebianPackageFactAttribute : FactAttribute
{
    public DebianPackageFactAttribute() => Skip = DebianPackage.SkipReason;
}
