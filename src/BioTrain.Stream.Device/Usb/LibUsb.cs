using System.Runtime.InteropServices;

namespace BioTrain.Stream.Device.Usb;

/// <summary>
/// The part of libusb-1.0 (Debian libusb-1.0-0) the USB transport needs, bound with
/// source-generated marshalling. Pointers to libusb's own structs are read with the C layout of
/// libusb.h (natural alignment), which the structs below repeat.
/// </summary>
internal static partial class LibUsb
{
    public const string Library = "libusb-1.0.so.0";

    public const int Success = 0;
    public const int ErrorIo = -1;
    public const int ErrorAccess = -3;
    public const int ErrorNoDevice = -4;
    public const int ErrorNotFound = -5;
    public const int ErrorBusy = -6;
    public const int ErrorTimeout = -7;
    public const int ErrorPipe = -9;
    public const int ErrorInterrupted = -10;
    public const int ErrorNotSupported = -12;

    public const byte TransferTypeBulk = 2;

    [LibraryImport(Library, EntryPoint = "libusb_init")]
    public static partial int Init(out nint context);

    [LibraryImport(Library, EntryPoint = "libusb_exit")]
    public static partial void Exit(nint context);

    [LibraryImport(Library, EntryPoint = "libusb_get_device_list")]
    public static partial nint GetDeviceList(LibUsbContextHandle context, out nint list);

    [LibraryImport(Library, EntryPoint = "libusb_free_device_list")]
    public static partial void FreeDeviceList(nint list, int unrefDevices);

    [LibraryImport(Library, EntryPoint = "libusb_get_device_descriptor")]
    public static partial int GetDeviceDescriptor(nint device, out DeviceDescriptor descriptor);

    [LibraryImport(Library, EntryPoint = "libusb_get_active_config_descriptor")]
    public static partial int GetActiveConfigDescriptor(nint device, out nint config);

    [LibraryImport(Library, EntryPoint = "libusb_get_config_descriptor")]
    public static partial int GetConfigDescriptor(nint device, byte index, out nint config);

    [LibraryImport(Library, EntryPoint = "libusb_free_config_descriptor")]
    public static partial void FreeConfigDescriptor(nint config);

    [LibraryImport(Library, EntryPoint = "libusb_get_bus_number")]
    public static partial byte GetBusNumber(nint device);

    [LibraryImport(Library, EntryPoint = "libusb_get_device_address")]
    public static partial byte GetDeviceAddress(nint device);

    [LibraryImport(Library, EntryPoint = "libusb_get_port_numbers")]
    public static partial int GetPortNumbers(nint device, [Out] byte[] ports, int length);

    [LibraryImport(Library, EntryPoint = "libusb_open")]
    public static partial int Open(nint device, out nint handle);

    [LibraryImport(Library, EntryPoint = "libusb_close")]
    public static partial void Close(nint handle);

    [LibraryImport(Library, EntryPoint = "libusb_get_string_descriptor_ascii")]
    public static partial int GetStringDescriptorAscii(LibUsbDeviceHandle handle, byte index, [Out] byte[] data, int length);

    [LibraryImport(Library, EntryPoint = "libusb_kernel_driver_active")]
    public static partial int KernelDriverActive(LibUsbDeviceHandle handle, int interfaceNumber);

    [LibraryImport(Library, EntryPoint = "libusb_detach_kernel_driver")]
    public static partial int DetachKernelDriver(LibUsbDeviceHandle handle, int interfaceNumber);

    [LibraryImport(Library, EntryPoint = "libusb_set_auto_detach_kernel_driver")]
    public static partial int SetAutoDetachKernelDriver(LibUsbDeviceHandle handle, int enable);

    [LibraryImport(Library, EntryPoint = "libusb_claim_interface")]
    public static partial int ClaimInterface(LibUsbDeviceHandle handle, int interfaceNumber);

    [LibraryImport(Library, EntryPoint = "libusb_release_interface")]
    public static partial int ReleaseInterface(LibUsbDeviceHandle handle, int interfaceNumber);

    [LibraryImport(Library, EntryPoint = "libusb_clear_halt")]
    public static partial int ClearHalt(LibUsbDeviceHandle handle, byte endpoint);

    [LibraryImport(Library, EntryPoint = "libusb_bulk_transfer")]
    public static unsafe partial int BulkTransfer(LibUsbDeviceHandle handle, byte endpoint, byte* data, int length, out int transferred, uint timeoutMs);

    [LibraryImport(Library, EntryPoint = "libusb_control_transfer")]
    public static unsafe partial int ControlTransfer(LibUsbDeviceHandle handle, byte requestType, byte request, ushort value, ushort index, byte* data, ushort length, uint timeoutMs);

    /// <summary>Returns a static string: not to be freed, so not marshalled as a string.</summary>
    [LibraryImport(Library, EntryPoint = "libusb_error_name")]
    public static partial nint ErrorNamePointer(int error);

    [LibraryImport(Library, EntryPoint = "libusb_strerror")]
    public static partial nint StrErrorPointer(int error);

    [LibraryImport(Library, EntryPoint = "libusb_get_version")]
    public static partial nint GetVersionPointer();

    public static string ErrorName(int error) => Marshal.PtrToStringUTF8(ErrorNamePointer(error)) ?? error.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string StrError(int error) => Marshal.PtrToStringUTF8(StrErrorPointer(error)) ?? string.Empty;

    /// <summary>libusb's version, e.g. 1.0.26.</summary>
    public static Version LoadedVersion()
    {
        var v = Marshal.PtrToStructure<VersionInfo>(GetVersionPointer());
        return new Version(v.Major, v.Minor, v.Micro);
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct DeviceDescriptor
    {
        public byte Length;
        public byte DescriptorType;
        public ushort BcdUsb;
        public byte DeviceClass;
        public byte DeviceSubClass;
        public byte DeviceProtocol;
        public byte MaxPacketSize0;
        public ushort VendorId;
        public ushort ProductId;
        public ushort BcdDevice;
        public byte ManufacturerIndex;
        public byte ProductIndex;
        public byte SerialNumberIndex;
        public byte NumConfigurations;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct ConfigDescriptor
    {
        public byte Length;
        public byte DescriptorType;
        public ushort TotalLength;
        public byte NumInterfaces;
        public byte ConfigurationValue;
        public byte ConfigurationIndex;
        public byte Attributes;
        public byte MaxPower;
        public nint Interfaces;
        public nint Extra;
        public int ExtraLength;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Interface
    {
        public nint AltSettings;
        public int NumAltSettings;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct InterfaceDescriptor
    {
        public byte Length;
        public byte DescriptorType;
        public byte InterfaceNumber;
        public byte AlternateSetting;
        public byte NumEndpoints;
        public byte InterfaceClass;
        public byte InterfaceSubClass;
        public byte InterfaceProtocol;
        public byte InterfaceIndex;
        public nint Endpoints;
        public nint Extra;
        public int ExtraLength;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct EndpointDescriptor
    {
        public byte Length;
        public byte DescriptorType;
        public byte EndpointAddress;
        public byte Attributes;
        public ushort MaxPacketSize;
        public byte Interval;
        public byte Refresh;
        public byte SynchAddress;
        public nint Extra;
        public int ExtraLength;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct VersionInfo
    {
        public ushort Major;
        public ushort Minor;
        public ushort Micro;
        public ushort Nano;
        public nint RcPointer;
        public nint DescribePointer;
    }
}
