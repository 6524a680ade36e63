using BioTrain.Stream.Device.Addressing;

namespace BioTrain.Stream.Device.Usb;

/// <summary>
/// Puts a bridge's UART into the state the GAP9 link needs before data flows.
/// FTDI (vendor requests, FTDI application notes): reset, UART mode, baud, 8N1, flow control,
/// DTR/RTS on, latency timer, purge. CDC-ACM (USB CDC PSTN class requests): SET_LINE_CODING and
/// SET_CONTROL_LINE_STATE with DTR and RTS, which CDC-ACM firmware such as Zephyr's on the nRF5340
/// waits for; its own USB link ignores the rate.
/// </summary>
internal static class UsbBridgeSetup
{
    private const byte VendorOut = 0x40;
    private const byte SioReset = 0x00;
    private const byte SioSetModemCtrl = 0x01;
    private const byte SioSetFlowCtrl = 0x02;
    private const byte SioSetBaudRate = 0x03;
    private const byte SioSetData = 0x04;
    private const byte SioSetLatencyTimer = 0x09;
    private const byte SioSetBitMode = 0x0B;
    private const ushort SioResetSio = 0;
    private const ushort SioPurgeRx = 1;
    private const ushort SioPurgeTx = 2;
    private const ushort Data8N1 = 0x0008;
    private const ushort DtrRtsOn = 0x0303;
    private const int FlowRtsCts = 0x0100;

    private const byte ClassInterfaceOut = 0x21;
    private const byte CdcSetLineCoding = 0x20;
    private const byte CdcSetControlLineState = 0x22;

    private const uint ControlTimeoutMs = 1000;

    /// <summary>FT2232H, FT4232H, FT232H by bcdDevice (the chip revision the FTDI driver also goes by).</summary>
    public static bool IsHighSpeedFtdi(UsbDeviceInfo device) => device.BcdDevice is 0x0700 or 0x0800 or 0x0900;

    public static FtdiBaudDivisor ConfigureFtdi(LibUsbDeviceHandle handle, UsbDeviceInfo device, int interfaceNumber, UsbLinkOptions options, bool rtsCts)
    {
        var port = (ushort)(interfaceNumber + 1);
        var multi = device.Interfaces.Count > 1;
        var divisor = FtdiBaudDivisor.For(options.EffectiveBaudRate, IsHighSpeedFtdi(device), multi ? port : 0);
        var what = $"FTDI {device.Ids} interface {interfaceNumber}";
        Vendor(handle, SioReset, SioResetSio, port, what, "SIO_RESET");
        Vendor(handle, SioSetBitMode, 0x0000, port, what, "SIO_SET_BITMODE (UART mode)");
        Vendor(handle, SioSetBaudRate, divisor.Value, divisor.Index, what, "SIO_SET_BAUDRATE");
        Vendor(handle, SioSetData, Data8N1, port, what, "SIO_SET_DATA (8N1)");
        Vendor(handle, SioSetFlowCtrl, 0, (ushort)((rtsCts ? FlowRtsCts : 0) | port), what, "SIO_SET_FLOW_CTRL");
        Vendor(handle, SioSetModemCtrl, DtrRtsOn, port, what, "SIO_SET_MODEM_CTRL (DTR, RTS)");
        Vendor(handle, SioSetLatencyTimer, (ushort)options.EffectiveLatencyMs, port, what, "SIO_SET_LATENCY_TIMER");
        Vendor(handle, SioReset, SioPurgeRx, port, what, "SIO_RESET (purge RX)");
        Vendor(handle, SioReset, SioPurgeTx, port, what, "SIO_RESET (purge TX)");
        return divisor;
    }

    public static void ConfigureCdcAcm(LibUsbDeviceHandle handle, UsbDeviceInfo device, int controlInterface, int baudRate)
    {
        var what = $"CDC-ACM {device.Ids} interface {controlInterface}";
        // dwDTERate (u32 LE), bCharFormat 0 = 1 stop bit, bParityType 0 = none, bDataBits 8.
        Span<byte> lineCoding = [(byte)baudRate, (byte)(baudRate >> 8), (byte)(baudRate >> 16), (byte)(baudRate >> 24), 0, 0, 8];
        Control(handle, ClassInterfaceOut, CdcSetLineCoding, 0, (ushort)controlInterface, lineCoding, what, "SET_LINE_CODING");
        Control(handle, ClassInterfaceOut, CdcSetControlLineState, 0x0003, (ushort)controlInterface, [], what, "SET_CONTROL_LINE_STATE (DTR, RTS)");
    }

    private static void Vendor(LibUsbDeviceHandle handle, byte request, ushort value, ushort index, string what, string name) =>
        Control(handle, VendorOut, request, value, index, [], what, name);

    private static unsafe void Control(LibUsbDeviceHandle handle, byte type, byte request, ushort value, ushort index, Span<byte> data, string what, string name)
    {
        fixed (byte* p = data)
        {
            var code = LibUsb.ControlTransfer(handle, type, request, value, index, p, (ushort)data.Length, ControlTimeoutMs);
            if (code < 0)
            {
                throw UsbError.Start(code, what, $"{name} on");
            }
        }
    }
}
