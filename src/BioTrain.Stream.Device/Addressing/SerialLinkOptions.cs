namespace BioTrain.Stream.Device.Addressing;

/// <summary>
/// Options of a <c>serial:</c> address. A null value was not given and takes its default, so that
/// an address prints back as it was written.
/// </summary>
public sealed record SerialLinkOptions
{
    /// <summary>The GAP9 EVK's FTDI UART link runs at 3 Mbaud; a pty ignores the rate.</summary>
    public const int DefaultBaudRate = 3_000_000;

    /// <summary><c>baud=</c>: line rate in bit/s.</summary>
    public int? BaudRate { get; init; }

    /// <summary><c>rtscts=true|false</c>: hardware flow control; off by default.</summary>
    public bool? RtsCts { get; init; }

    public int EffectiveBaudRate => BaudRate ?? DefaultBaudRate;

    public bool EffectiveRtsCts => RtsCts ?? false;
}
