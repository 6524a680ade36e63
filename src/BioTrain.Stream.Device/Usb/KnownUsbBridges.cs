using BioTrain.Stream.Device.Addressing;

namespace BioTrain.Stream.Device.Usb;

/// <summary>
/// USB devices that can carry the GAP9 link: FTDI UART bridges (the GAP9 EVK has an FT2232H),
/// Nordic/SEGGER/Zephyr ids seen on nRF5340 boards (BioGAP), and any device with a CDC-ACM
/// interface. For each, the interfaces that have a bulk pair and the address that opens them.
/// </summary>
public static class KnownUsbBridges
{
    private static readonly Dictionary<ushort, string> FtdiChips = new()
    {
        [0x6001] = "FTDI FT232R/FT245R UART",
        [0x6010] = "FTDI FT2232H dual UART/JTAG (GAP9 EVK)",
        [0x6011] = "FTDI FT4232H quad UART/JTAG",
        [0x6014] = "FTDI FT232H UART/JTAG",
        [0x6015] = "FTDI FT-X UART",
        [0x601c] = "FTDI FT4222H",
    };

    private static readonly Dictionary<ushort, string> Vendors = new()
    {
        [0x1915] = "Nordic Semiconductor (nRF5340, BioGAP)",
        [0x1366] = "SEGGER J-Link (nRF5340 DK virtual COM port)",
        [0x2fe3] = "Zephyr USB device (default ids)",
    };

    /// <summary>What the device is, when it is a known bridge or has a CDC-ACM interface; else null.</summary>
    public static string? Describe(UsbDeviceInfo device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.VendorId == 0x0403 && FtdiChips.TryGetValue(device.ProductId, out var chip))
        {
            return chip;
        }

        if (Vendors.TryGetValue(device.VendorId, out var vendor))
        {
            return vendor;
        }

        return device.Interfaces.Any(i => i.Class == UsbInterfaceInfo.ClassCdcData) ? "CDC-ACM device" : null;
    }

    /// <summary>The addresses that open each interface with a bulk IN/OUT pair, with the serial number when the device has one.</summary>
    public static IReadOnlyList<(UsbInterfaceInfo Interface, DeviceAddress Address, string Role)> Links(UsbDeviceInfo device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var links = new List<(UsbInterfaceInfo, DeviceAddress, string)>();
        foreach (var iface in device.Interfaces.Where(i => i.HasBulkPair))
        {
            var address = DeviceAddress.ForUsb(new UsbLinkOptions
            {
                VendorId = device.VendorId,
                ProductId = device.ProductId,
                Interface = iface.Number,
                SerialNumber = device.SerialNumber,
            });
            links.Add((iface, address, Role(device, iface)));
        }

        return links;
    }

    private static string Role(UsbDeviceInfo device, UsbInterfaceInfo iface)
    {
        if (device.VendorId == 0x0403)
        {
            var channel = (char)('A' + iface.Number);
            return device.ProductId == 0x6010
                ? iface.Number == 1 ? "channel B: UART to GAP9 on the GAP9 EVK" : $"channel {channel}: JTAG on the GAP9 EVK"
                : $"channel {channel}: UART";
        }

        return iface.Class == UsbInterfaceInfo.ClassCdcData ? "CDC-ACM data" : "bulk endpoints";
    }
}
