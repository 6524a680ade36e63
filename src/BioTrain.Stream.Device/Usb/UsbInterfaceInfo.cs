namespace BioTrain.Stream.Device.Usb;

/// <summary>An interface of the active configuration (first alternate setting).</summary>
public sealed record UsbInterfaceInfo(int Number, byte Class, byte SubClass, byte Protocol, IReadOnlyList<UsbEndpointInfo> Endpoints)
{
    /// <summary>CDC communication (0x02) and CDC data (0x0A) classes.</summary>
    public const byte ClassCdcControl = 0x02;
    public const byte ClassCdcData = 0x0A;

    public UsbEndpointInfo? FirstBulkIn => Endpoints.FirstOrDefault(e => e.IsBulk && e.IsIn);

    public UsbEndpointInfo? FirstBulkOut => Endpoints.FirstOrDefault(e => e.IsBulk && !e.IsIn);

    public bool HasBulkPair => FirstBulkIn is not null && FirstBulkOut is not null;
}
