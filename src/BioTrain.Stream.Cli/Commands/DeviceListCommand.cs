using System.CommandLine;
using System.Globalization;
using BioTrain.Stream.Device;
using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Device.Emulation;
using BioTrain.Stream.Device.Usb;

namespace BioTrain.Stream.Cli.Commands;

/// <summary>
/// <c>biotrain device list</c>: the devices this machine can reach: attached USB bridges (FTDI,
/// CDC-ACM, nRF5340 ids) with the addresses that open them, serial ttys, and the virtual devices.
/// </summary>
internal static class DeviceListCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var command = new Command("list", "List attached USB bridges (FTDI, CDC-ACM), serial ttys and the virtual devices, with the address of each.") { json };
        command.SetAction((parse, ct) => CliOutput.RunAsync(
            () =>
            {
                var inventory = Take();
                if (parse.GetValue(json))
                {
                    CliOutput.WriteJson(Console.Out, inventory);
                }
                else
                {
                    Print(inventory);
                }

                return Task.FromResult(0);
            },
            Console.Error));
        return command;
    }

    private static Inventory Take() => new(Usb(), SerialPorts(), Virtual());

    private static UsbSection Usb()
    {
        try
        {
            using var context = UsbContext.Create();
            var devices = context.Enumerate()
                .Select(d => (Device: d, Kind: KnownUsbBridges.Describe(d)))
                .Where(x => x.Kind is not null)
                .Select(x => new UsbEntry(
                    x.Device.Bus,
                    x.Device.Address,
                    x.Device.PortPath,
                    x.Device.Ids,
                    x.Device.SerialNumber,
                    x.Device.Manufacturer,
                    x.Device.Product,
                    x.Kind!,
                    [.. KnownUsbBridges.Links(x.Device).Select(l => new UsbLink(
                        l.Interface.Number,
                        l.Role,
                        l.Address.ToString(),
                        UsbSysfs.InterfaceDriver(x.Device.PortPath, 1, l.Interface.Number),
                        UsbSysfs.InterfaceTty(x.Device.PortPath, 1, l.Interface.Number) is { } tty ? DeviceAddress.ForSerial(tty).ToString() : null))]))
                .ToList();
            return new UsbSection(UsbContext.LibraryVersion.ToString(), null, devices);
        }
        catch (DeviceStartException e)
        {
            return new UsbSection(null, e.Message, []);
        }
    }

    private static List<SerialEntry> SerialPorts()
    {
        var byId = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Directory.Exists("/dev/serial/by-id"))
        {
            foreach (var link in Directory.EnumerateFileSystemEntries("/dev/serial/by-id"))
            {
                if (new FileInfo(link).ResolveLinkTarget(returnFinalTarget: true) is { } target)
                {
                    byId[target.FullName] = link;
                }
            }
        }

        return [.. Directory.EnumerateFileSystemEntries("/dev", "ttyUSB*").Concat(Directory.EnumerateFileSystemEntries("/dev", "ttyACM*"))
            .Order(StringComparer.Ordinal)
            .Select(path => new SerialEntry(path, DeviceAddress.ForSerial(path).ToString(), byId.GetValueOrDefault(path)))];
    }

    private static List<VirtualEntry> Virtual()
    {
        var firmware = FirmwareLocator.Default();
        var host = firmware.TryFind("bt-device-host");
        var elf = firmware.TryFind("bt-firmware-qemu.elf");
        var qemu = OnPath(new VirtualDeviceOptions().QemuExecutable);
        return
        [
            new VirtualEntry("emu:native", host is not null, host ?? $"bt-device-host not built (looked in {string.Join(", ", firmware.SearchDirectories)})"),
            new VirtualEntry(
                "emu:qemu",
                elf is not null && qemu is not null,
                elf is null ? "bt-firmware-qemu.elf not built" : qemu is null ? "qemu-system-riscv32 not installed (apt-get install qemu-system-misc)" : $"{qemu} running {elf}"),
        ];
    }

    private static string? OnPath(string executable) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, executable))
            .FirstOrDefault(File.Exists);

    private static void Print(Inventory inventory)
    {
        var usb = inventory.Usb;
        Console.WriteLine(usb.Error is null ? $"USB bridges (libusb {usb.Libusb}):" : $"USB bridges: not available: {usb.Error}");
        if (usb.Error is null && usb.Devices.Count == 0)
        {
            Console.WriteLine("  none attached");
        }

        foreach (var d in usb.Devices)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {d.Ids}  bus {d.Bus:000} address {d.Address:000}  {d.Kind}  \"{d.Product}\" serial {d.Serial ?? "-"}"));
            foreach (var l in d.Links)
            {
                var driver = l.KernelDriver is null ? string.Empty : $"  (kernel driver {l.KernelDriver}{(l.Tty is null ? string.Empty : $": {l.Tty}")}; add detach=true to use usb:)";
                Console.WriteLine($"    {l.Uri}  {l.Role}{driver}");
            }
        }

        Console.WriteLine("Serial ttys:");
        if (inventory.SerialPorts.Count == 0)
        {
            Console.WriteLine("  none (/dev/ttyUSB*, /dev/ttyACM*)");
        }

        foreach (var s in inventory.SerialPorts)
        {
            Console.WriteLine($"  {s.Uri}{(s.ById is null ? string.Empty : $"  ({s.ById})")}");
        }

        Console.WriteLine("Virtual devices:");
        foreach (var v in inventory.Virtual)
        {
            Console.WriteLine($"  {v.Uri,-11} {(v.Available ? "available" : "unavailable")}: {v.Detail}");
        }
    }

    private sealed record Inventory(UsbSection Usb, IReadOnlyList<SerialEntry> SerialPorts, IReadOnlyList<VirtualEntry> Virtual);

    private sealed record UsbSection(string? Libusb, string? Error, IReadOnlyList<UsbEntry> Devices);

    private sealed record UsbEntry(int Bus, int Address, string PortPath, string Ids, string? Serial, string? Manufacturer, string? Product, string Kind, IReadOnlyList<UsbLink> Links);

    private sealed record UsbLink(int Interface, string Role, string Uri, string? KernelDriver, string? Tty);

    private sealed record SerialEntry(string Path, string Uri, string? ById);

    private sealed record VirtualEntry(string Uri, bool Available, string Detail);
}
