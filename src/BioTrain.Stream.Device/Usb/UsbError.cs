namespace BioTrain.Stream.Device.Usb;

/// <summary>Turns libusb error codes into typed exceptions that carry libusb's error name and a hint.</summary>
internal static class UsbError
{
    /// <summary>A <see cref="DeviceStartException"/> for a failure while opening or setting up <paramref name="what"/>.</summary>
    public static DeviceStartException Start(int code, string what, string doing) =>
        new($"{doing} {what} failed: {LibUsb.ErrorName(code)} ({LibUsb.StrError(code)}). {Hint(code)}".TrimEnd());

    /// <summary>The link is gone (unplugged, reset) or a transfer failed for good.</summary>
    public static IOException Lost(int code, string what, string doing) =>
        new(code == LibUsb.ErrorNoDevice
            ? $"{what} was unplugged ({LibUsb.ErrorName(code)} during {doing})"
            : $"{doing} on {what} failed: {LibUsb.ErrorName(code)} ({LibUsb.StrError(code)})");

    public static string Hint(int code) => code switch
    {
        LibUsb.ErrorAccess => "No permission on the device's /dev/bus/usb node: install the udev rule (sudo cp systemd/70-biotrain-gap9.rules /etc/udev/rules.d/ && sudo udevadm control --reload && sudo udevadm trigger, then replug) and add the user to group plugdev.",
        LibUsb.ErrorBusy => "The interface is held by a kernel driver (ftdi_sio, cdc_acm) or another program: add detach=true to the address, or use its tty through serial:/dev/ttyUSBn (see 'biotrain device list').",
        LibUsb.ErrorNoDevice => "The device was unplugged.",
        LibUsb.ErrorNotFound => "No such interface or endpoint on this device (check iface=, in=, out=; 'biotrain device list' shows them).",
        LibUsb.ErrorTimeout => "The device did not answer in time.",
        LibUsb.ErrorPipe => "The endpoint stalled (the device refused the request).",
        LibUsb.ErrorNotSupported => "The operation is not supported by this device or platform.",
        LibUsb.ErrorIo => "Input/output error: a flaky cable or hub, or an emulated device (umockdev) that has no recording of this transfer.",
        _ => string.Empty,
    };
}
