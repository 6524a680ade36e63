namespace BioTrain.Stream.Device.Addressing;

/// <summary>What sits behind a USB interface, which decides how the link is set up.</summary>
public enum UsbBridgeKind
{
    /// <summary>An FTDI UART bridge (FT2232H/FT4232H on the GAP9 EVK): baud and latency by vendor requests, 2 status bytes per IN packet.</summary>
    Ftdi,

    /// <summary>A CDC-ACM data interface (the nRF5340 of BioGAP): line coding set, payload as is.</summary>
    CdcAcm,

    /// <summary>Plain bulk endpoints: no set-up, payload as is.</summary>
    Raw,
}
