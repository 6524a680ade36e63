using Microsoft.Win32.SafeHandles;

namespace BioTrain.Stream.Device.Usb;

/// <summary>
/// An open libusb device; released with libusb_close. Holds its context so that libusb_exit
/// cannot run while the device is still open.
/// </summary>
internal sealed class LibUsbDeviceHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private readonly LibUsbContextHandle? _context;
    private readonly bool _contextReferenced;

    public LibUsbDeviceHandle()
        : base(ownsHandle: true)
    {
    }

    public LibUsbDeviceHandle(nint handle, LibUsbContextHandle context)
        : base(ownsHandle: true)
    {
        SetHandle(handle);
        _context = context;
        context.DangerousAddRef(ref _contextReferenced);
    }

    protected override bool ReleaseHandle()
    {
        LibUsb.Close(handle);
        if (_contextReferenced)
        {
            _context!.DangerousRelease();
        }

        return true;
    }
}
