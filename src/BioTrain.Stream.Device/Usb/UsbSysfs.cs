namespace BioTrain.Stream.Device.Usb;

/// <summary>
/// What Linux sysfs says about a USB device that libusb does not: its strings without opening it
/// (they need no permission there), the kernel driver bound to an interface, and the tty it made.
/// </summary>
public static class UsbSysfs
{
    private const string Devices = "/sys/bus/usb/devices";

    public static string? Attribute(string portPath, string name)
    {
        try
        {
            var path = Path.Combine(Devices, portPath, name);
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The kernel driver bound to interface <paramref name="number"/>, e.g. <c>ftdi_sio</c>, or null.</summary>
    public static string? InterfaceDriver(string portPath, int configuration, int number)
    {
        var link = new FileInfo(Path.Combine(InterfaceDirectory(portPath, configuration, number), "driver")).LinkTarget;
        return link is null ? null : Path.GetFileName(link);
    }

    /// <summary>The tty a kernel driver made for the interface, e.g. <c>/dev/ttyUSB1</c>, or null.</summary>
    public static string? InterfaceTty(string portPath, int configuration, int number)
    {
        var dir = InterfaceDirectory(portPath, configuration, number);
        try
        {
            // ftdi_sio puts ttyUSBn directly under the interface, cdc_acm puts tty/ttyACMn.
            var names = Directory.Exists(dir) ? Directory.EnumerateDirectories(dir, "ttyUSB*").Select(Path.GetFileName) : [];
            var tty = Path.Combine(dir, "tty");
            if (Directory.Exists(tty))
            {
                names = names.Concat(Directory.EnumerateDirectories(tty).Select(Path.GetFileName));
            }

            var name = names.FirstOrDefault();
            return name is null ? null : "/dev/" + name;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string InterfaceDirectory(string portPath, int configuration, int number) =>
        Path.Combine(Devices, $"{portPath}:{configuration}.{number}");
}
