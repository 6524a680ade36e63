namespace BioTrain.Stream.Device.Emulation;

/// <summary>The two virtual devices: the same firmware core as a native process or in QEMU.</summary>
public enum VirtualDeviceKind
{
    /// <summary><c>bt-device-host</c>: the core compiled for this machine, fast.</summary>
    Native,

    /// <summary><c>bt-firmware-qemu.elf</c> on <c>qemu-system-riscv32 -M virt</c>: the virtual GAP9.</summary>
    Qemu,
}
