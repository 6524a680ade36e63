using System.Diagnostics;

namespace BioTrain.Stream.Daemon.Tests;

/// <summary>The shipped systemd files, checked by systemd's own tools.</summary>
public sealed class SystemdUnitTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bt-unit-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(int Exit, string Output)> Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var p = ExternalTool.Start(start, "systemd");
        var output = await p.StandardOutput.ReadToEndAsync() + await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, output);
    }

    [Fact]
    public async Task Unit_passes_systemd_analyze_verify()
    {
        // verify wants ExecStart= to exist: point it at a binary this machine has.
        var unit = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "systemd", "biotrain.service"));
        Assert.Contains("ExecStart=/usr/bin/biotrain run --config /etc/biotrain/biotrain.json", unit, StringComparison.Ordinal);
        var copy = Path.Combine(_dir, "biotrain.service");
        await File.WriteAllTextAsync(copy, unit.Replace("/usr/bin/biotrain", "/bin/true", StringComparison.Ordinal));
        // The man page of Documentation= is installed by the package only (DebianPackageTests checks it there).
        var (exit, output) = await Run("systemd-analyze", "verify", "--man=no", copy);
        Assert.True(exit == 0, output);
        Assert.DoesNotContain("biotrain.service:", output, StringComparison.Ordinal); // no warnings about the unit
    }

    [Fact]
    public async Task Unit_is_hardened()
    {
        var copy = Path.Combine(_dir, "biotrain.service");
        var unit = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "systemd", "biotrain.service"));
        await File.WriteAllTextAsync(copy, unit.Replace("/usr/bin/biotrain", "/bin/true", StringComparison.Ordinal));
        var (exit, output) = await Run("systemd-analyze", "security", "--offline=true", "--threshold=30", copy);
        Assert.True(exit == 0, output); // overall exposure at or below 3.0 ("OK"; the threshold is in tenths)
    }

    [Theory]
    [InlineData("biotrain.sysusers.conf", "u biotrain ")]
    [InlineData("biotrain.tmpfiles.conf", "d /var/lib/biotrain ")]
    [InlineData("70-biotrain-gap9.rules", "ATTR{idVendor}==\"0403\"")]
    public async Task Companion_files_exist_and_say_what_they_must(string file, string line)
    {
        var text = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "systemd", file));
        Assert.Contains(line, text, StringComparison.Ordinal);
    }
}
