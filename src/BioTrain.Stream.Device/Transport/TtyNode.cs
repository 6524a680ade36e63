using System.Globalization;
using System.Runtime.InteropServices;

namespace BioTrain.Stream.Device.Transport;

/// <summary>
/// Why a tty cannot be opened. System.IO.Ports reports every open failure on Linux as the same
/// UnauthorizedAccessException, so the reason is found here with the same open(2) flags it uses,
/// without side effects (no TIOCEXCL, no termios change).
/// </summary>
internal static partial class TtyNode
{
    private const string LibC = "libc.so.6";
    private const int ORdWr = 0x2;
    private const int ONoCtty = 0x100;
    private const int ONonBlock = 0x800;
    private const int OCloExec = 0x80000;
    private const int ENoEnt = 2;
    private const int EAcces = 13;
    private const int EBusy = 16;
    private const int ENoDev = 19;
    private const int ENxIo = 6;
    private const int EPerm = 1;
    private const int AtFdCwd = -100;
    private const uint StatxUidGidMode = 0x0008 | 0x0010 | 0x0001 | 0x0002;

    /// <summary>A <see cref="DeviceStartException"/> that says what is wrong with <paramref name="path"/>, given the open failure.</summary>
    public static DeviceStartException Explain(string path, Exception failure)
    {
        var address = $"serial:{path}";
        if (!File.Exists(path) && !Directory.Exists(path) && !IsDanglingLink(path))
        {
            return new DeviceStartException(
                $"cannot open {address}: no such device node. Is the bridge plugged in and powered? 'biotrain device list' shows the serial ttys present.", failure);
        }

        var fd = Open(path, ORdWr | ONoCtty | ONonBlock | OCloExec);
        var errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        if (fd >= 0)
        {
            var isTty = IsATty(fd) == 1;
            _ = Close(fd);
            return isTty
                ? new DeviceStartException($"cannot open {address}: {failure.Message}", failure)
                : new DeviceStartException($"cannot open {address}: it is not a tty (a serial device node such as /dev/ttyUSB0 or /dev/ttyACM0)", failure);
        }

        return errno switch
        {
            EAcces or EPerm => new DeviceStartException($"cannot open {address}: permission denied. {PermissionHint(path)}", failure),
            EBusy => new DeviceStartException($"cannot open {address}: the port is busy: another program holds it exclusively{Holders(path)}. Close it (a terminal program, ModemManager, another biotrain) and retry.", failure),
            ENoEnt or ENoDev or ENxIo => new DeviceStartException($"cannot open {address}: the device behind the node is gone ({Marshal.GetPInvokeErrorMessage(errno)}); is it unplugged?", failure),
            _ => new DeviceStartException($"cannot open {address}: {Marshal.GetPInvokeErrorMessage(errno)}", failure),
        };
    }

    /// <summary>Names the group to join, from the node's owner, group and mode.</summary>
    public static string PermissionHint(string path)
    {
        var buffer = new byte[256];
        if (Statx(AtFdCwd, path, 0, StatxUidGidMode, buffer) != 0)
        {
            return "Check the node's owner and mode.";
        }

        var uid = BitConverter.ToUInt32(buffer, 20);
        var gid = BitConverter.ToUInt32(buffer, 24);
        var mode = BitConverter.ToUInt16(buffer, 28) & 0x1FF;
        var group = GroupName(gid);
        var modeText = Convert.ToString(mode, 8);
        var groupCanWrite = (mode & 0x10) != 0;
        return groupCanWrite
            ? $"The node is owned by uid {uid.ToString(CultureInfo.InvariantCulture)}, group {group}, mode {modeText}: add the user to group {group} (sudo usermod -aG {group} $USER, then log in again), or install the udev rule systemd/70-biotrain-gap9.rules."
            : $"The node is owned by uid {uid.ToString(CultureInfo.InvariantCulture)}, group {group}, mode {modeText}, which no group may write: install the udev rule systemd/70-biotrain-gap9.rules (it gives the bridge's ttys to group dialout, mode 0660) and add the user to group dialout.";
    }

    /// <summary>The group's name from /etc/group, else its number.</summary>
    private static string GroupName(uint gid)
    {
        try
        {
            foreach (var line in File.ReadLines("/etc/group"))
            {
                var fields = line.Split(':');
                if (fields.Length >= 3 && uint.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var g) && g == gid)
                {
                    return fields[0];
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return gid.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Other processes with the node open, from /proc (complete only when run as root).</summary>
    private static string Holders(string path)
    {
        var holders = new List<string>();
        try
        {
            foreach (var proc in Directory.EnumerateDirectories("/proc"))
            {
                var pid = Path.GetFileName(proc);
                if (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id == Environment.ProcessId)
                {
                    continue;
                }

                try
                {
                    if (Directory.EnumerateFileSystemEntries(Path.Combine(proc, "fd")).Any(fd => new FileInfo(fd).LinkTarget == path))
                    {
                        holders.Add($"pid {pid} ({File.ReadAllText(Path.Combine(proc, "comm")).Trim()})");
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // a process that ended or that we may not inspect
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }

        return holders.Count == 0 ? string.Empty : $" ({string.Join(", ", holders)})";
    }

    private static bool IsDanglingLink(string path) => new FileInfo(path).LinkTarget is not null;

    [LibraryImport(LibC, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport(LibC, EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport(LibC, EntryPoint = "isatty", SetLastError = true)]
    private static partial int IsATty(int fd);

    /// <summary>statx(2): its struct has one layout on every architecture, unlike struct stat.</summary>
    [LibraryImport(LibC, EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, [Out] byte[] buffer);
}
