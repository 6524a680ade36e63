namespace BioTrain.Stream.Device.Emulation;

/// <summary>Finds the QEMU executable: a path, or a name looked up on PATH.</summary>
internal static class QemuExecutable
{
    public static string Resolve(string executable) =>
        TryResolve(executable) ?? throw new DeviceStartException($"{executable} not found on PATH. Install it with: apt-get install qemu-system-misc");

    public static string? TryResolve(string executable)
    {
        if (executable.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(executable) ? executable : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, executable))
            .FirstOrDefault(File.Exists);
    }
}
