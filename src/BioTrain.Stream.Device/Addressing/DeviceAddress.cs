using System.Globalization;

namespace BioTrain.Stream.Device.Addressing;

/// <summary>
/// Where a device is, written as in config files and on the command line:
/// <c>emu:native</c>, <c>emu:qemu</c>, <c>unix:PATH</c>, <c>tcp:HOST:PORT</c>.
/// </summary>
public sealed record DeviceAddress(DeviceAddressKind Kind, string Target, int Port)
{
    public static DeviceAddress EmulatorNative { get; } = new(DeviceAddressKind.EmulatorNative, "native", 0);

    public static DeviceAddress EmulatorQemu { get; } = new(DeviceAddressKind.EmulatorQemu, "qemu", 0);

    public static DeviceAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new DeviceAddressException($"device address '{text}' has no scheme; use emu:native, emu:qemu, unix:PATH or tcp:HOST:PORT");
        }

        var scheme = text[..colon];
        var rest = text[(colon + 1)..];
        return scheme switch
        {
            "emu" when rest == "native" => EmulatorNative,
            "emu" when rest == "qemu" => EmulatorQemu,
            "emu" => throw new DeviceAddressException($"unknown emulator '{rest}' in '{text}'; use emu:native or emu:qemu"),
            "unix" when rest.Length > 0 => new DeviceAddress(DeviceAddressKind.Unix, rest, 0),
            "unix" => throw new DeviceAddressException($"'{text}' names no socket path"),
            "tcp" => ParseTcp(text, rest),
            _ => throw new DeviceAddressException($"unknown device scheme '{scheme}' in '{text}'; use emu:, unix: or tcp:"),
        };
    }

    private static DeviceAddress ParseTcp(string text, string rest)
    {
        var colon = rest.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(rest.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new DeviceAddressException($"'{text}' is not tcp:HOST:PORT with a port from 1 to 65535");
        }

        var host = rest[..colon].Trim('[', ']');
        return new DeviceAddress(DeviceAddressKind.Tcp, host, port);
    }

    public bool IsEmulator => Kind is DeviceAddressKind.EmulatorNative or DeviceAddressKind.EmulatorQemu;

    public override string ToString() => Kind switch
    {
        DeviceAddressKind.EmulatorNative => "emu:native",
        DeviceAddressKind.EmulatorQemu => "emu:qemu",
        DeviceAddressKind.Unix => $"unix:{Target}",
        DeviceAddressKind.Tcp => Target.Contains(':', StringComparison.Ordinal) ? $"tcp:[{Target}]:{Port}" : $"tcp:{Target}:{Port}",
        _ => Target,
    };
}
