namespace BioTrain.Stream.Device.Addressing;

/// <summary>The kinds of device address (the URI scheme).</summary>
public enum DeviceAddressKind
{
    /// <summary><c>emu:native</c>: start the native virtual device.</summary>
    EmulatorNative,

    /// <summary><c>emu:qemu</c>: start the virtual GAP9 in QEMU.</summary>
    EmulatorQemu,

    /// <summary><c>unix:PATH</c>: a device already listening on a Unix socket.</summary>
    Unix,

    /// <summary><c>tcp:HOST:PORT</c>: a device already listening on TCP.</summary>
    Tcp,
}
