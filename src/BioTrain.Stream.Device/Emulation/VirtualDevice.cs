using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace BioTrain.Stream.Device.Emulation;

/// <summary>
/// A running virtual device process and the Unix socket it serves. Disposing stops the process
/// and removes the socket.
/// </summary>
public sealed class VirtualDevice : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr;

    private VirtualDevice(VirtualDeviceKind kind, Process process, StringBuilder stderr, string socketPath, long startedTimestamp)
    {
        Kind = kind;
        _process = process;
        _stderr = stderr;
        SocketPath = socketPath;
        StartedTimestamp = startedTimestamp;
    }

    public VirtualDeviceKind Kind { get; }

    public string SocketPath { get; }

    /// <summary><see cref="Stopwatch.GetTimestamp"/> when the process was started, for boot-time figures.</summary>
    public long StartedTimestamp { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>What the process wrote on stderr so far (QEMU warnings, firmware start-up errors).</summary>
    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>
    /// Starts a virtual device and waits until its socket exists (both devices create it with
    /// bind+listen, so a connect right after may still need one retry).
    /// </summary>
    public static async Task<VirtualDevice> StartAsync(VirtualDeviceKind kind, VirtualDeviceOptions? options, CancellationToken cancellationToken)
    {
        options ??= new VirtualDeviceOptions();
        var socketPath = NewSocketPath(options);
        var startInfo = kind == VirtualDeviceKind.Native ? NativeStartInfo(options, socketPath) : QemuStartInfo(options, socketPath);
        var stderr = new StringBuilder();
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };

        var started = Stopwatch.GetTimestamp();
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new DeviceStartException(
                kind == VirtualDeviceKind.Qemu
                    ? $"cannot run {startInfo.FileName}: {e.Message}. Install it with: apt-get install qemu-system-misc"
                    : $"cannot run {startInfo.FileName}: {e.Message}",
                e);
        }

        process.BeginErrorReadLine();
        var device = new VirtualDevice(kind, process, stderr, socketPath, started);
        try
        {
            await device.WaitUntilListeningAsync(options.StartTimeout, cancellationToken).ConfigureAwait(false);
            return device;
        }
        catch
        {
            await device.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static ProcessStartInfo NativeStartInfo(VirtualDeviceOptions options, string socketPath)
    {
        var info = new ProcessStartInfo(options.Firmware.Find("bt-device-host"))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--unix");
        info.ArgumentList.Add(socketPath);
        info.ArgumentList.Add("--once");
        return info;
    }

    private static ProcessStartInfo QemuStartInfo(VirtualDeviceOptions options, string socketPath)
    {
        var elf = options.Firmware.Find("bt-firmware-qemu.elf");
        var qemu = QemuExecutable.Resolve(options.QemuExecutable);
        var info = new ProcessStartInfo(qemu)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in QemuArguments(elf, socketPath, options.CountInstructions, options.Harts))
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    /// <summary>
    /// The QEMU command line: the virt machine with no firmware of its own (-bios none jumps to our
    /// image at 0x80000000), 16 MiB of RAM so the device tree lands above the GAP9 regions,
    /// <paramref name="harts"/> harts as the cluster's cores (the firmware finds them in the device
    /// tree), and the first 16550 UART on a Unix socket.
    /// </summary>
    public static IReadOnlyList<string> QemuArguments(string elf, string socketPath, bool countInstructions, int harts)
    {
        if (harts is < 1 or > VirtualDeviceOptions.MaxHarts)
        {
            throw new DeviceStartException(string.Create(CultureInfo.InvariantCulture, $"the virtual GAP9 has 1 to {VirtualDeviceOptions.MaxHarts} harts, not {harts}"));
        }

        var args = new List<string>
        {
            "-M", "virt", "-bios", "none", "-m", "16M", "-smp", harts.ToString(CultureInfo.InvariantCulture),
            "-nodefaults", "-display", "none", "-monitor", "none",
            "-kernel", elf,
            "-chardev", $"socket,id=uart0,path={socketPath},server=on,wait=off",
            "-serial", "chardev:uart0",
        };
        if (countInstructions)
        {
            args.AddRange(["-icount", "shift=0"]);
        }

        return args;
    }

    private async Task WaitUntilListeningAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new DeviceStartException(
                    $"{Kind} virtual device exited with code {_process.ExitCode.ToString(CultureInfo.InvariantCulture)} before it listened: {StandardError.Trim()}");
            }

            if (File.Exists(SocketPath))
            {
                return;
            }

            try
            {
                await Task.Delay(10, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new DeviceStartException($"{Kind} virtual device did not listen on {SocketPath} within {timeout.TotalSeconds:0.#} s. {StandardError.Trim()}");
            }
        }
    }

    private static string NewSocketPath(VirtualDeviceOptions options)
    {
        var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        var dir = options.SocketDirectory
            ?? (!string.IsNullOrEmpty(runtime) && Directory.Exists(runtime) ? runtime : Path.GetTempPath());
        var name = $"biotrain-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}.sock";
        return Path.Combine(dir, name);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // already gone, or would not die: nothing more to do from here
        }
        finally
        {
            _process.Dispose();
            try
            {
                File.Delete(SocketPath);
            }
            catch (IOException)
            {
            }
        }
    }
}
