namespace BioTrain.Stream.Device.Usb;

/// <summary>An endpoint of an interface: its address (bit 7 set for IN), transfer type and packet size.</summary>
public sealed record UsbEndpointInfo(byte Address, byte TransferType, int MaxPacketSize)
{
    public bool IsIn => (Address & 0x80) != 0;

    public bool IsBulk => TransferType == LibUsb.TransferTypeBulk;
}
