using System.Diagnostics;
using Xunit.Abstractions;

namespace BioTrain.Stream.Daemon.Tests;

/// <summary>
/// The Debian package as an administrator meets it: installed with dpkg, the program and firmware
/// in place, the configuration valid for the service user, the unit verified, nothing started;
/// remove keeps the subjects' state, purge deletes it.
/// </summary>
public sealed class DebianPackageTests(ITestOutputHelper output)
{
    private const string State = "/var/lib/biotrain";

    private async Task<(int Exit, string Output)> Run(string package, string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment.Remove("BIOTRAIN_FIRMWARE_DIR"); // the installed program finds its own firmware
        using var p = ExternalTool.Start(start, package);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        var text = await stdout + await stderr;
        output.WriteLine($"$ {file} {string.Join(' ', args)}  -> {p.ExitCode}\n{text}");
        return (p.ExitCode, text);
    }

    /// <summary>dpkg, waiting while another dpkg or apt holds the lock.</summary>
    private async Task<(int Exit, string Output)> Dpkg(params string[] args)
    {
        for (var attempt = 0; ; attempt++)
        {
            var (exit, text) = await Run("dpkg", "dpkg", args);
            if (exit == 0 || attempt == 60 || !text.Contains("lock", StringComparison.OrdinalIgnoreCase))
            {
                return (exit, text);
            }

            await Task.Delay(2000);
        }
    }

    [DebianPackageFact]
    public async Task Installs_with_dpkg_runs_checks_its_unit_and_removes_keeping_state_then_purges_it()
    {
        Assert.True(DebianPackage.IsRoot, "dpkg -i needs root");
        var deb = DebianPackage.File ?? throw new FileNotFoundException("no build/biotrain_*_amd64.deb: ./biotrain package builds it");
        Assert.False(Directory.Exists(State), $"{State} exists before the test: a biotrain installed here would be purged by it");

        try
        {
            var (installed, log) = await Dpkg("-i", deb);
            Assert.True(installed == 0, log);

            // The program and its firmware, with no .NET and no build tree on the path.
            var (version, text) = await Run("biotrain", "/usr/bin/biotrain", "--version");
            Assert.Equal(0, version);
            Assert.Matches(@"^\d+\.\d+\.\d+", text);
            foreach (var file in new[] { "bt-device-host", "bt-firmware-qemu.elf", "bt-model-tool" })
            {
                Assert.True(File.Exists($"/usr/lib/biotrain/firmware/{file}"), file);
            }

            var (info, infoText) = await Run("biotrain", "/usr/bin/biotrain", "device", "info", "--device", "emu:native");
            Assert.True(info == 0, infoText);

            // The service user exists, owns its state, and can read the shipped configuration,
            // whose pretrained weights are installed where it says.
            var (user, ids) = await Run("coreutils", "id", "biotrain");
            Assert.True(user == 0, ids);
            Assert.Contains("dialout", ids, StringComparison.Ordinal);
            Assert.Contains("plugdev", ids, StringComparison.Ordinal);
            Assert.True(Directory.Exists(State));
            var (check, checkText) = await Run("util-linux", "setpriv", "--reuid=biotrain", "--regid=biotrain", "--init-groups",
                "/usr/bin/biotrain", "run", "--config", "/etc/biotrain/biotrain.json", "--check");
            Assert.True(check == 0, checkText);
            Assert.Contains("configuration is valid", checkText, StringComparison.Ordinal);

            // The installed unit passes systemd's checks and was neither enabled nor started.
            var (verify, verifyText) = await Run("systemd", "systemd-analyze", "verify", "/lib/systemd/system/biotrain.service");
            Assert.True(verify == 0, verifyText);
            Assert.DoesNotContain("biotrain.service:", verifyText, StringComparison.Ordinal);
            Assert.False(File.Exists("/etc/systemd/system/multi-user.target.wants/biotrain.service"), "the package enabled the service");

            // A subject's adapted weights survive remove; purge deletes them and the configuration.
            var subject = Path.Combine(State, "subjects", "S01");
            Directory.CreateDirectory(subject);
            await File.WriteAllBytesAsync(Path.Combine(subject, "weights.bin"), [1, 2, 3]);
            var (removed, removeLog) = await Dpkg("-r", "biotrain");
            Assert.True(removed == 0, removeLog);
            Assert.False(File.Exists("/usr/bin/biotrain"));
            Assert.True(File.Exists(Path.Combine(subject, "weights.bin")), "remove deleted a subject's weights");
            Assert.True(File.Exists("/etc/biotrain/biotrain.json"), "remove deleted the configuration");

            var (purged, purgeLog) = await Dpkg("-P", "biotrain");
            Assert.True(purged == 0, purgeLog);
            Assert.False(Directory.Exists(State), "purge kept the state");
            Assert.False(Directory.Exists("/etc/biotrain"), "purge kept /etc/biotrain");
        }
        finally
        {
            await Dpkg("-P", "biotrain"); // whatever failed above, leave the machine as it was
        }
    }
}
