namespace BioTrain.Stream.Device.Addressing;

/// <summary>The kinds of device address (the URI scheme).</summary>
public enum DeviceAddressKind
{
    /// <summary><c>emu:native</c>: start the native virtual device.</summary>
    EmulatorNative,

    /// <summary><c>emu:qemu</c>: start the virtual GAP9 in QEMU.</summary>
    EmulatorQemu,

    /// <summary><c>unix:PATH</c>: a device already listening on a Unix socket.</summary>
    Unix,

    /// <summary><c>tcp:HOST:PORT</c>: a device already listening on TCP.</summary>
    Tcp,

    /// <summary><c>serial:/dev/ttyUSB1?baud=3000000</c>: a serial tty, e.g. a USB-UART bridge.</summary>
    Serial,

    /// <summary><c>usb:0403:6010?iface=1</c>: bulk endpoints of a USB device through libusb.</summary>
    Usb,
}
