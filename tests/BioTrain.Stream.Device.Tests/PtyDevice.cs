using System.Diagnostics;
using BioTrain.Stream.Device.Emulation;

namespace BioTrain.Stream.Device.Tests;

/// <summary>The real native virtual device serving on a pseudo-terminal (<c>bt-device-host --pty</c>).</summary>
internal sealed class PtyDevice : IDisposable
{
    private readonly Process _process;

    private PtyDevice(Process process, string path)
    {
        _process = process;
        Path = path;
    }

    /// <summary>The slave side, e.g. <c>/dev/pts/3</c>.</summary>
    public string Path { get; }

    public int ProcessId => _process.Id;

    public static async Task<PtyDevice> StartAsync(bool once = false)
    {
        var start = new ProcessStartInfo(FirmwareLocator.Default().Find("bt-device-host")) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--pty");
        if (once)
        {
            start.ArgumentList.Add("--once");
        }

        var process = Process.Start(start)!;
        var ready = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
        if (ready is null || !ready.StartsWith("READY serial:/dev/", StringComparison.Ordinal))
        {
            process.Kill();
            process.Dispose();
            throw new InvalidOperationException($"bt-device-host --pty said '{ready}'");
        }

        return new PtyDevice(process, ready["READY serial:".Length..]);
    }

    /// <summary>Freezes the device (SIGSTOP): it stops answering but its pty stays open.</summary>
    public void Freeze() => Run("kill", "-STOP", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Kills the device: its pty master closes and the host's side hangs up.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit(5000);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }

    private static void Run(string file, params string[] args)
    {
        using var p = ExternalTool.Start(file, "procps", args);
        p.WaitForExit(5000);
    }
}
