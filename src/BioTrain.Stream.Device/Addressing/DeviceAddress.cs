using System.Globalization;
using System.Text;

namespace BioTrain.Stream.Device.Addressing;

/// <summary>
/// Where a device is, written as in config files and on the command line:
/// <c>emu:native</c>, <c>emu:qemu</c> (<c>emu:qemu?harts=N</c>: the virtual GAP9 with N of its 8
/// cluster cores), <c>unix:PATH</c>, <c>tcp:HOST:PORT</c>,
/// <c>serial:/dev/ttyUSB1?baud=3000000</c>, <c>usb:0403:6010?iface=1</c>. Options of serial: and
/// usb: are documented in docs/devices.md and on <see cref="SerialLinkOptions"/> and
/// <see cref="UsbLinkOptions"/>; an address prints back as written when its options are in the
/// documented order.
/// </summary>
public sealed record DeviceAddress(DeviceAddressKind Kind, string Target, int Port)
{
    private static readonly string[] SerialOptionNames = ["baud", "rtscts"];
    private static readonly string[] QemuOptionNames = ["harts"];
    private static readonly string[] UsbOptionNames = ["iface", "serial", "detach", "bridge", "baud", "latency", "in", "out"];

    public static DeviceAddress EmulatorNative { get; } = new(DeviceAddressKind.EmulatorNative, "native", 0);

    public static DeviceAddress EmulatorQemu { get; } = new(DeviceAddressKind.EmulatorQemu, "qemu", 0);

    /// <summary>Harts of an <c>emu:qemu?harts=N</c> address (1 to 8); null: the default, 8.</summary>
    public int? QemuHarts { get; init; }

    /// <summary>Options of a <c>serial:</c> address; null for other kinds.</summary>
    public SerialLinkOptions? Serial { get; init; }

    /// <summary>Device and options of a <c>usb:</c> address; null for other kinds.</summary>
    public UsbLinkOptions? Usb { get; init; }

    public static DeviceAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new DeviceAddressException($"device address '{text}' has no scheme; use emu:native, emu:qemu, unix:PATH, tcp:HOST:PORT, serial:/dev/TTY or usb:VID:PID");
        }

        var scheme = text[..colon];
        var rest = text[(colon + 1)..];
        return scheme switch
        {
            "emu" when rest == "native" => EmulatorNative,
            "emu" when rest == "qemu" => EmulatorQemu,
            "emu" when rest.StartsWith("qemu?", StringComparison.Ordinal) => ParseQemu(text, rest),
            "emu" => throw new DeviceAddressException($"unknown emulator '{rest}' in '{text}'; use emu:native or emu:qemu"),
            "unix" when rest.Length > 0 => new DeviceAddress(DeviceAddressKind.Unix, rest, 0),
            "unix" => throw new DeviceAddressException($"'{text}' names no socket path"),
            "tcp" => ParseTcp(text, rest),
            "serial" => ParseSerial(text, rest),
            "usb" => ParseUsb(text, rest),
            _ => throw new DeviceAddressException($"unknown device scheme '{scheme}' in '{text}'; use emu:, unix:, tcp:, serial: or usb:"),
        };
    }

    /// <summary>A <c>serial:</c> address for a tty path with default options.</summary>
    public static DeviceAddress ForSerial(string path, SerialLinkOptions? options = null) =>
        new(DeviceAddressKind.Serial, path, 0) { Serial = options ?? new SerialLinkOptions() };

    /// <summary>A <c>usb:</c> address.</summary>
    public static DeviceAddress ForUsb(UsbLinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(DeviceAddressKind.Usb, UsbTarget(options.VendorId, options.ProductId), 0) { Usb = options };
    }

    private static DeviceAddress ParseQemu(string text, string rest)
    {
        var (_, query) = AddressQuery.Split(text, rest, QemuOptionNames);
        return EmulatorQemu with { QemuHarts = query.Int("harts", 1, Emulation.VirtualDeviceOptions.MaxHarts) };
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

    private static DeviceAddress ParseSerial(string text, string rest)
    {
        var (path, query) = AddressQuery.Split(text, rest, SerialOptionNames);
        if (!path.StartsWith('/') || path.Length < 2)
        {
            throw new DeviceAddressException($"'{text}' is not serial:/dev/TTY: the tty must be an absolute path");
        }

        var options = new SerialLinkOptions { BaudRate = query.Int("baud", 50, 12_000_000), RtsCts = query.Bool("rtscts") };
        return ForSerial(path, options);
    }

    private static DeviceAddress ParseUsb(string text, string rest)
    {
        var (ids, query) = AddressQuery.Split(text, rest, UsbOptionNames);
        var parts = ids.Split(':');
        if (parts.Length != 2 || !TryParseId(parts[0], out var vid) || !TryParseId(parts[1], out var pid))
        {
            throw new DeviceAddressException($"'{text}' is not usb:VID:PID with 4-digit hexadecimal ids, e.g. usb:0403:6010");
        }

        var serial = query.String("serial");
        if (serial is { Length: 0 })
        {
            throw query.Bad("serial", serial, "a serial-number string");
        }

        var inEndpoint = query.Int("in", 0x81, 0x8F);
        var outEndpoint = query.Int("out", 0x01, 0x0F);
        var options = new UsbLinkOptions
        {
            VendorId = vid,
            ProductId = pid,
            Interface = query.Int("iface", 0, 255),
            SerialNumber = serial,
            Detach = query.Bool("detach"),
            Bridge = query.String("bridge") switch
            {
                null => null,
                "ftdi" => UsbBridgeKind.Ftdi,
                "cdc-acm" => UsbBridgeKind.CdcAcm,
                "raw" => UsbBridgeKind.Raw,
                var other => throw query.Bad("bridge", other, "ftdi, cdc-acm or raw"),
            },
            BaudRate = query.Int("baud", 50, 12_000_000),
            LatencyMs = query.Int("latency", 1, 255),
            InEndpoint = (byte?)inEndpoint,
            OutEndpoint = (byte?)outEndpoint,
        };
        return ForUsb(options);
    }

    private static bool TryParseId(string text, out ushort id) =>
        ushort.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out id) && text.Length == 4;

    private static string UsbTarget(ushort vid, ushort pid) => string.Create(CultureInfo.InvariantCulture, $"{vid:x4}:{pid:x4}");

    public bool IsEmulator => Kind is DeviceAddressKind.EmulatorNative or DeviceAddressKind.EmulatorQemu;

    public override string ToString() => Kind switch
    {
        DeviceAddressKind.EmulatorNative => "emu:native",
        DeviceAddressKind.EmulatorQemu => QemuHarts is { } h ? string.Create(CultureInfo.InvariantCulture, $"emu:qemu?harts={h}") : "emu:qemu",
        DeviceAddressKind.Unix => $"unix:{Target}",
        DeviceAddressKind.Tcp => Target.Contains(':', StringComparison.Ordinal) ? $"tcp:[{Target}]:{Port}" : $"tcp:{Target}:{Port}",
        DeviceAddressKind.Serial => "serial:" + Target + SerialQuery(Serial),
        DeviceAddressKind.Usb => "usb:" + Target + UsbQuery(Usb),
        _ => Target,
    };

    private static string SerialQuery(SerialLinkOptions? o)
    {
        var q = new QueryBuilder();
        q.Add("baud", o?.BaudRate);
        q.Add("rtscts", o?.RtsCts);
        return q.ToString();
    }

    private static string UsbQuery(UsbLinkOptions? o)
    {
        var q = new QueryBuilder();
        if (o is null)
        {
            return string.Empty;
        }

        q.Add("iface", o.Interface);
        q.Add("serial", o.SerialNumber is null ? null : Uri.EscapeDataString(o.SerialNumber));
        q.Add("detach", o.Detach);
        q.Add("bridge", o.Bridge switch
        {
            UsbBridgeKind.Ftdi => "ftdi",
            UsbBridgeKind.CdcAcm => "cdc-acm",
            UsbBridgeKind.Raw => "raw",
            _ => null,
        });
        q.Add("baud", o.BaudRate);
        q.Add("latency", o.LatencyMs);
        q.Add("in", o.InEndpoint is { } i ? string.Create(CultureInfo.InvariantCulture, $"0x{i:x2}") : null);
        q.Add("out", o.OutEndpoint is { } e ? string.Create(CultureInfo.InvariantCulture, $"0x{e:x2}") : null);
        return q.ToString();
    }

    /// <summary>Builds <c>?a=1&amp;b=2</c> from the options that were given.</summary>
    private sealed class QueryBuilder
    {
        private readonly StringBuilder _text = new();

        public void Add(string name, string? value)
        {
            if (value is not null)
            {
                _text.Append(_text.Length == 0 ? '?' : '&').Append(name).Append('=').Append(value);
            }
        }

        public void Add(string name, int? value) => Add(name, value?.ToString(CultureInfo.InvariantCulture));

        public void Add(string name, bool? value) => Add(name, value is null ? null : value.Value ? "true" : "false");

        public override string ToString() => _text.ToString();
    }
}
