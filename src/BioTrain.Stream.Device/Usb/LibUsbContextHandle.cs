using Microsoft.Win32.SafeHandles;

namespace BioTrain.Stream.Device.Usb;

/// <summary>A libusb context; released with libusb_exit.</summary>
internal sealed class LibUsbContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public LibUsbContextHandle()
        : base(ownsHandle: true)
    {
    }

    public LibUsbContextHandle(nint context)
        : base(ownsHandle: true) => SetHandle(context);

    protected override bool ReleaseHandle()
    {
        LibUsb.Exit(handle);
        return true;
    }
}
