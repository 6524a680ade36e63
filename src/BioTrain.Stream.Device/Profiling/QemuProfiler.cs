using System.Diagnostics;
using System.Globalization;
using System.Text;
using BioTrain.Stream.Device.Emulation;

namespace BioTrain.Stream.Device.Profiling;

/// <summary>
/// Runs bt-profile.elf on the virtual GAP9: QEMU's generic loader places the model blob at
/// 0x80400000 and the training options (key=value text) at 0x803F0000; the firmware prints its
/// counts as JSON on the serial port and powers off.
/// </summary>
public sealed class QemuProfiler
{
    private const string Elf = "bt-profile.elf";
    private readonly VirtualDeviceOptions _options;

    public QemuProfiler(VirtualDeviceOptions? options = null) => _options = options ?? new VirtualDeviceOptions();

    /// <summary>The QEMU command line (instructions are counted: -icount shift=0).</summary>
    public static IReadOnlyList<string> Arguments(string elf, string blobPath, string argsPath, int harts)
    {
        if (harts is < 1 or > VirtualDeviceOptions.MaxHarts)
        {
            throw new DeviceStartException(string.Create(CultureInfo.InvariantCulture, $"the virtual GAP9 has 1 to {VirtualDeviceOptions.MaxHarts} harts, not {harts}"));
        }

        return
        [
            "-M", "virt", "-bios", "none", "-m", "16M", "-smp", harts.ToString(CultureInfo.InvariantCulture),
            "-nodefaults", "-display", "none", "-monitor", "none", "-icount", "shift=0",
            "-kernel", elf,
            "-device", $"loader,file={blobPath},addr=0x80400000,force-raw=on",
            "-device", $"loader,file={argsPath},addr=0x803F0000,force-raw=on",
            "-serial", "stdio",
        ];
    }

    /// <summary>Profiles one training sample of <paramref name="blob"/> with the given options (batch=8 scope=full ...).</summary>
    public async Task<ModelProfile> RunAsync(byte[] blob, IReadOnlyDictionary<string, string> training, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(training);
        var elf = _options.Firmware.Find(Elf);
        var qemu = QemuExecutable.Resolve(_options.QemuExecutable);
        var stem = Path.Combine(Path.GetTempPath(), $"biotrain-profile-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var blobPath = stem + ".btm";
        var argsPath = stem + ".args";
        var args = string.Join(' ', training.Select(kv => $"{kv.Key}={kv.Value}").Append(string.Create(CultureInfo.InvariantCulture, $"harts={_options.Harts}")));
        await File.WriteAllBytesAsync(blobPath, blob, cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(argsPath, args, Encoding.ASCII, cancellationToken).ConfigureAwait(false);
        try
        {
            var psi = new ProcessStartInfo(qemu) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in Arguments(elf, blobPath, argsPath, _options.Harts))
            {
                psi.ArgumentList.Add(a);
            }

            using var process = Process.Start(psi) ?? throw new DeviceStartException($"cannot start {qemu}");
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(_options.StartTimeout * 20);
            try
            {
                await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                throw new DeviceStartException($"{Elf} did not finish within {(_options.StartTimeout * 20).TotalSeconds:0} s");
            }

            var text = await stdout.ConfigureAwait(false);
            var err = await stderr.ConfigureAwait(false);
            var json = text.Trim();
            if (json.Length == 0)
            {
                throw new DeviceStartException($"{Elf} printed nothing (exit code {process.ExitCode.ToString(CultureInfo.InvariantCulture)}): {err.Trim()}");
            }

            return ModelProfile.Parse(json);
        }
        finally
        {
            File.Delete(blobPath);
            File.Delete(argsPath);
        }
    }
}
