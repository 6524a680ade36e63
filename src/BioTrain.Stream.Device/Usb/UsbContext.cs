using System.Globalization;
using System.Runtime.InteropServices;
using BioTrain.Stream.Device.Addressing;

namespace BioTrain.Stream.Device.Usb;

/// <summary>
/// A libusb session: lists attached USB devices and opens one by VID:PID (and serial number).
/// Dispose it after the devices opened from it.
/// </summary>
public sealed class UsbContext : IDisposable
{
    private readonly LibUsbContextHandle _handle;

    private UsbContext(LibUsbContextHandle handle) => _handle = handle;

    /// <summary>The libusb version loaded, e.g. 1.0.26.</summary>
    public static Version LibraryVersion => Load(LibUsb.LoadedVersion);

    /// <summary>Starts libusb. A missing library or a failed init is a <see cref="DeviceStartException"/>.</summary>
    public static UsbContext Create()
    {
        nint context = 0;
        var code = Load(() => LibUsb.Init(out context));
        if (code != LibUsb.Success)
        {
            throw UsbError.Start(code, "libusb", "initialising");
        }

        return new UsbContext(new LibUsbContextHandle(context));
    }

    /// <summary>Every attached device but root hubs. None attached is an empty list, not an error.</summary>
    public IReadOnlyList<UsbDeviceInfo> Enumerate()
    {
        var devices = new List<UsbDeviceInfo>();
        var count = (long)LibUsb.GetDeviceList(_handle, out var list);
        if (count < 0)
        {
            throw UsbError.Start((int)count, "the USB device list", "reading");
        }

        try
        {
            for (var i = 0; i < count; i++)
            {
                if (Describe(Marshal.ReadIntPtr(list, i * IntPtr.Size)) is { } info)
                {
                    devices.Add(info);
                }
            }
        }
        finally
        {
            LibUsb.FreeDeviceList(list, 1);
        }

        return devices;
    }

    /// <summary>
    /// Opens the device an address names. Errors say what is attached instead, or what libusb
    /// refused and how to fix it.
    /// </summary>
    internal (LibUsbDeviceHandle Handle, UsbDeviceInfo Info) Open(UsbLinkOptions options)
    {
        var count = (long)LibUsb.GetDeviceList(_handle, out var list);
        if (count < 0)
        {
            throw UsbError.Start((int)count, "the USB device list", "reading");
        }

        try
        {
            var matches = new List<(nint Device, UsbDeviceInfo Info)>();
            var others = new List<UsbDeviceInfo>();
            for (var i = 0; i < count; i++)
            {
                var device = Marshal.ReadIntPtr(list, i * IntPtr.Size);
                if (Describe(device) is not { } info)
                {
                    continue;
                }

                var sameIds = info.VendorId == options.VendorId && info.ProductId == options.ProductId;
                if (sameIds && (options.SerialNumber is null || options.SerialNumber == info.SerialNumber))
                {
                    matches.Add((device, info));
                }
                else
                {
                    others.Add(info);
                }
            }

            var wanted = DeviceAddress.ForUsb(options with { Interface = null, Detach = null, Bridge = null, BaudRate = null, LatencyMs = null, InEndpoint = null, OutEndpoint = null });
            if (matches.Count == 0)
            {
                var attached = others.Count == 0 ? "no USB devices are attached" : "attached: " + string.Join("; ", others.Select(o => $"{o.Ids} serial {o.SerialNumber ?? "?"} ({o.Product ?? "unnamed"})"));
                throw new DeviceStartException($"no USB device {wanted} is attached ({attached}). Check the cable and 'biotrain device list'.");
            }

            if (matches.Count > 1)
            {
                throw new DeviceStartException(
                    $"{matches.Count} USB devices match {wanted}: add serial= to the address to pick one (serials: {string.Join(", ", matches.Select(m => m.Info.SerialNumber ?? "none"))})");
            }

            var (chosen, chosenInfo) = matches[0];
            var code = LibUsb.Open(chosen, out var raw);
            if (code != LibUsb.Success)
            {
                throw UsbError.Start(code, $"{chosenInfo.Ids} at {chosenInfo.Node}", "opening");
            }

            return (new LibUsbDeviceHandle(raw, _handle), chosenInfo);
        }
        finally
        {
            LibUsb.FreeDeviceList(list, 1);
        }
    }

    private UsbDeviceInfo? Describe(nint device)
    {
        if (LibUsb.GetDeviceDescriptor(device, out var d) != LibUsb.Success)
        {
            return null;
        }

        var ports = new byte[8];
        var depth = LibUsb.GetPortNumbers(device, ports, ports.Length);
        if (depth <= 0)
        {
            return null; // a root hub
        }

        var bus = LibUsb.GetBusNumber(device);
        var portPath = bus.ToString(CultureInfo.InvariantCulture) + "-" + string.Join('.', ports.Take(depth).Select(p => p.ToString(CultureInfo.InvariantCulture)));
        var strings = ReadStrings(device, portPath, d);
        return new UsbDeviceInfo(
            bus,
            LibUsb.GetDeviceAddress(device),
            portPath,
            d.VendorId,
            d.ProductId,
            d.BcdDevice,
            d.DeviceClass,
            strings.Manufacturer,
            strings.Product,
            strings.Serial,
            ReadInterfaces(device));
    }

    /// <summary>From sysfs when it has them (no permission needed), else from the device's string descriptors.</summary>
    private (string? Manufacturer, string? Product, string? Serial) ReadStrings(nint device, string portPath, LibUsb.DeviceDescriptor d)
    {
        var manufacturer = UsbSysfs.Attribute(portPath, "manufacturer");
        var product = UsbSysfs.Attribute(portPath, "product");
        var serial = UsbSysfs.Attribute(portPath, "serial");
        if ((manufacturer ?? product ?? serial) is not null || (d.ManufacturerIndex | d.ProductIndex | d.SerialNumberIndex) == 0)
        {
            return (manufacturer, product, serial);
        }

        if (LibUsb.Open(device, out var raw) != LibUsb.Success)
        {
            return (null, null, null);
        }

        using var handle = new LibUsbDeviceHandle(raw, _handle);
        return (ReadString(handle, d.ManufacturerIndex), ReadString(handle, d.ProductIndex), ReadString(handle, d.SerialNumberIndex));
    }

    private static string? ReadString(LibUsbDeviceHandle handle, byte index)
    {
        if (index == 0)
        {
            return null;
        }

        var buffer = new byte[256];
        var n = LibUsb.GetStringDescriptorAscii(handle, index, buffer, buffer.Length);
        return n > 0 ? System.Text.Encoding.ASCII.GetString(buffer, 0, n) : null;
    }

    private static List<UsbInterfaceInfo> ReadInterfaces(nint device)
    {
        var interfaces = new List<UsbInterfaceInfo>();
        if (LibUsb.GetActiveConfigDescriptor(device, out var configPointer) != LibUsb.Success
            && LibUsb.GetConfigDescriptor(device, 0, out configPointer) != LibUsb.Success)
        {
            return interfaces;
        }

        try
        {
            var config = Marshal.PtrToStructure<LibUsb.ConfigDescriptor>(configPointer);
            var interfaceSize = Marshal.SizeOf<LibUsb.Interface>();
            for (var i = 0; i < config.NumInterfaces; i++)
            {
                var iface = Marshal.PtrToStructure<LibUsb.Interface>(config.Interfaces + (i * interfaceSize));
                if (iface.NumAltSettings < 1)
                {
                    continue;
                }

                var alt = Marshal.PtrToStructure<LibUsb.InterfaceDescriptor>(iface.AltSettings);
                var endpoints = new List<UsbEndpointInfo>();
                var endpointSize = Marshal.SizeOf<LibUsb.EndpointDescriptor>();
                for (var e = 0; e < alt.NumEndpoints; e++)
                {
                    var ep = Marshal.PtrToStructure<LibUsb.EndpointDescriptor>(alt.Endpoints + (e * endpointSize));
                    endpoints.Add(new UsbEndpointInfo(ep.EndpointAddress, (byte)(ep.Attributes & 0x3), ep.MaxPacketSize & 0x7FF));
                }

                interfaces.Add(new UsbInterfaceInfo(alt.InterfaceNumber, alt.InterfaceClass, alt.InterfaceSubClass, alt.InterfaceProtocol, endpoints));
            }
        }
        finally
        {
            LibUsb.FreeConfigDescriptor(configPointer);
        }

        return interfaces;
    }

    private static T Load<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (DllNotFoundException e)
        {
            throw new DeviceStartException($"{LibUsb.Library} not found: install it with apt-get install libusb-1.0-0", e);
        }
    }

    public void Dispose() => _handle.Dispose();
}
