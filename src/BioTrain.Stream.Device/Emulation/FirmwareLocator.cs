namespace BioTrain.Stream.Device.Emulation;

/// <summary>
/// Finds the firmware build outputs (the native virtual device, the QEMU image, firmware tools).
/// Looks in <c>$BIOTRAIN_FIRMWARE_DIR</c>, then in <c>build/firmware/bin</c> of the source tree the
/// program runs from, then in the installed location <c>/usr/lib/biotrain/firmware</c>.
/// </summary>
public sealed class FirmwareLocator
{
    public const string EnvironmentVariable = "BIOTRAIN_FIRMWARE_DIR";
    public const string InstalledDirectory = "/usr/lib/biotrain/firmware";

    private readonly IReadOnlyList<string> _searchDirectories;

    public FirmwareLocator(IReadOnlyList<string> searchDirectories) => _searchDirectories = searchDirectories;

    /// <summary>The default search order described on the type.</summary>
    public static FirmwareLocator Default()
    {
        var dirs = new List<string>();
        var fromEnv = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            dirs.Add(fromEnv);
        }

        if (ProductPaths.Locate().FirmwareBuild is { } build)
        {
            dirs.Add(build);
        }

        dirs.Add(InstalledDirectory);
        return new FirmwareLocator(dirs);
    }

    public IReadOnlyList<string> SearchDirectories => _searchDirectories;

    /// <summary>Full path of a firmware output such as <c>bt-device-host</c>, or null.</summary>
    public string? TryFind(string fileName)
    {
        foreach (var dir in _searchDirectories)
        {
            var path = Path.Combine(dir, fileName);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>Like <see cref="TryFind"/>, but a missing file is a <see cref="DeviceStartException"/> that says where it looked.</summary>
    public string Find(string fileName) =>
        TryFind(fileName) ?? throw new DeviceStartException(
            $"{fileName} not found (looked in {string.Join(", ", _searchDirectories)}). " +
            $"Build the firmware with ./biotrain --build-only, or set {EnvironmentVariable}.");
}
