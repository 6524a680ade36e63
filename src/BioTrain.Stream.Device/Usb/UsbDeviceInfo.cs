using System.Globalization;

namespace BioTrain.Stream.Device.Usb;

/// <summary>What enumeration tells about one attached USB device, without claiming it.</summary>
public sealed record UsbDeviceInfo(
    int Bus,
    int Address,
    string PortPath,
    ushort VendorId,
    ushort ProductId,
    ushort BcdDevice,
    byte DeviceClass,
    string? Manufacturer,
    string? Product,
    string? SerialNumber,
    IReadOnlyList<UsbInterfaceInfo> Interfaces)
{
    public string Ids => string.Create(CultureInfo.InvariantCulture, $"{VendorId:x4}:{ProductId:x4}");

    /// <summary>The usbfs node libusb opens, e.g. <c>/dev/bus/usb/001/005</c>.</summary>
    public string Node => string.Create(CultureInfo.InvariantCulture, $"/dev/bus/usb/{Bus:000}/{Address:000}");

    public override string ToString() => $"{Ids} on bus {Bus} address {Address} ({Product ?? "unnamed"})";
}
