namespace BioTrain.Stream.Device.Emulation;

/// <summary>How to start a virtual device.</summary>
public sealed record VirtualDeviceOptions
{
    /// <summary>Where firmware binaries are looked up.</summary>
    public FirmwareLocator Firmware { get; init; } = FirmwareLocator.Default();

    /// <summary>How long the device may take to accept connections.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The QEMU executable (a name on PATH or a path).</summary>
    public string QemuExecutable { get; init; } = "qemu-system-riscv32";

    /// <summary>
    /// Run QEMU with <c>-icount shift=0</c> so that the instruction counter counts guest
    /// instructions exactly (without it QEMU reports host ticks there).
    /// </summary>
    public bool CountInstructions { get; init; } = true;

    /// <summary>
    /// Harts of the QEMU virtual GAP9 (<c>-smp</c>, 1 to <see cref="MaxHarts"/>): the cluster cores
    /// its kernels split their work across. Results are bit-identical for any count; the firmware
    /// counts instructions per hart. Default: GAP9's 8 cluster cores.
    /// </summary>
    public int Harts { get; init; } = MaxHarts;

    /// <summary>GAP9's cluster: 8 worker cores.</summary>
    public const int MaxHarts = 8;

    /// <summary>Directory for the socket; default <c>$XDG_RUNTIME_DIR</c> or the temp directory.</summary>
    public string? SocketDirectory { get; init; }
}
