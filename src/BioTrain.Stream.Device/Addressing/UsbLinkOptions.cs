namespace BioTrain.Stream.Device.Addressing;

/// <summary>
/// A <c>usb:VID:PID</c> address and its options. A null option was not given and takes its
/// default, so that an address prints back as it was written.
/// </summary>
public sealed record UsbLinkOptions
{
    public ushort VendorId { get; init; }

    public ushort ProductId { get; init; }

    /// <summary><c>iface=</c>: interface number; default 0 (on an FT2232H, 0 is channel A and 1 is channel B).</summary>
    public int? Interface { get; init; }

    /// <summary><c>serial=</c>: the device's serial-number string, to pick one of several alike.</summary>
    public string? SerialNumber { get; init; }

    /// <summary><c>detach=true|false</c>: detach a kernel driver (ftdi_sio, cdc_acm) bound to the interface; default false.</summary>
    public bool? Detach { get; init; }

    /// <summary><c>bridge=ftdi|cdc-acm|raw</c>: default from the device (FTDI vendor id, CDC data class, else raw).</summary>
    public UsbBridgeKind? Bridge { get; init; }

    /// <summary><c>baud=</c>: UART rate for FTDI and CDC-ACM bridges; default <see cref="SerialLinkOptions.DefaultBaudRate"/>.</summary>
    public int? BaudRate { get; init; }

    /// <summary><c>latency=</c>: FTDI latency timer in ms (1-255), how long the chip holds a short IN packet; default 1.</summary>
    public int? LatencyMs { get; init; }

    /// <summary><c>in=</c>: bulk IN endpoint address (e.g. 0x83); default the interface's first bulk IN.</summary>
    public byte? InEndpoint { get; init; }

    /// <summary><c>out=</c>: bulk OUT endpoint address (e.g. 0x04); default the interface's first bulk OUT.</summary>
    public byte? OutEndpoint { get; init; }

    public const int DefaultLatencyMs = 1;

    public int EffectiveInterface => Interface ?? 0;

    public bool EffectiveDetach => Detach ?? false;

    public int EffectiveBaudRate => BaudRate ?? SerialLinkOptions.DefaultBaudRate;

    public int EffectiveLatencyMs => LatencyMs ?? DefaultLatencyMs;
}
