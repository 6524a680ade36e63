using System.CommandLine;
using System.Globalization;
using BioTrain.Stream.Device;
using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Device.Diagnostics;
using BioTrain.Stream.Device.Protocol.Messages;

namespace BioTrain.Stream.Cli.Commands;

/// <summary><c>biotrain device ...</c>: talk to a GAP9 device or a virtual one.</summary>
internal static class DeviceCommands
{
    public static Option<string> DeviceOption() => new("--device", "-d")
    {
        Description = "Device address: emu:native, emu:qemu, unix:PATH, tcp:HOST:PORT, serial:/dev/TTY[?baud=N], usb:VID:PID[?iface=N] (docs/devices.md)",
        DefaultValueFactory = _ => "emu:native",
    };

    public static Command Create()
    {
        var device = new Command("device", "Talk to a GAP9 device or a virtual GAP9.");
        device.Subcommands.Add(Info());
        device.Subcommands.Add(SelfTestCommand());
        device.Subcommands.Add(DeviceListCommand.Create());
        return device;
    }

    private static Command Info()
    {
        var deviceOption = DeviceOption();
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var command = new Command("info", "Start or open the device, handshake, and print its capabilities.") { deviceOption, json };
        command.SetAction((parse, ct) => CliOutput.RunAsync(
            async () =>
            {
                var address = DeviceAddress.Parse(parse.GetValue(deviceOption)!);
                await using var connection = await DeviceConnection.OpenAsync(address, null, null, ct).ConfigureAwait(false);
                var caps = connection.Client.Capabilities;
                if (parse.GetValue(json))
                {
                    CliOutput.WriteJson(Console.Out, new
                    {
                        device = address.ToString(),
                        link = connection.Client.Description,
                        connect_ms = connection.ConnectTime.TotalMilliseconds,
                        capabilities = caps,
                    });
                }
                else
                {
                    PrintCapabilities(address, connection, caps);
                }

                return 0;
            },
            Console.Error));
        return command;
    }

    private static void PrintCapabilities(DeviceAddress address, DeviceConnection connection, Capabilities caps)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"device        {address} via {connection.Client.Description}");
        Console.WriteLine($"port          {caps.Port}, firmware {caps.Firmware}, protocol {caps.ProtocolMajor}.{caps.ProtocolMinor}");
        Console.WriteLine(string.Create(inv, $"connect       {connection.ConnectTime.TotalMilliseconds:0.0} ms ({(address.IsEmulator ? "process start" : "dial")} to CAPABILITIES)"));
        Console.WriteLine(string.Create(inv, $"clock         {caps.ClockHz / 1e6:0.#} MHz, {caps.Cores} cores"));
        Console.WriteLine($"features      {caps.Features}");
        Console.WriteLine(string.Create(inv, $"max payload   {caps.MaxPayload} bytes, rx credit {caps.RxCredit}"));
        foreach (var region in caps.Regions)
        {
            Console.WriteLine(string.Create(inv, $"memory {region.Name,-6} {region.Size / 1024.0,8:0.#} KiB at 0x{region.Base:X8}"));
        }
    }

    private static Command SelfTestCommand()
    {
        var deviceOption = DeviceOption();
        var count = new Option<int>("--count", "-n") { Description = "Number of PINGs", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int>("--seed") { Description = "Seed of payloads and order", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var command = new Command("selftest", "PING the device with payloads from 0 bytes to its maximum, check every echo, print round-trip times.")
        {
            deviceOption, count, seed, json,
        };
        command.SetAction((parse, ct) => CliOutput.RunAsync(
            async () =>
            {
                var address = DeviceAddress.Parse(parse.GetValue(deviceOption)!);
                var asJson = parse.GetValue(json);
                await using var connection = await DeviceConnection.OpenAsync(address, null, null, ct).ConfigureAwait(false);
                var caps = connection.Client.Capabilities;
                if (!asJson)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{address}: {caps.Port} firmware {caps.Firmware}, ready in {connection.ConnectTime.TotalMilliseconds:0} ms"));
                }

                var options = new SelfTestOptions { Count = parse.GetValue(count), Seed = parse.GetValue(seed) };
                var result = await SelfTest.RunAsync(connection.Client, options, null, ct).ConfigureAwait(false);
                if (asJson)
                {
                    CliOutput.WriteJson(Console.Out, new
                    {
                        device = address.ToString(),
                        port = caps.Port,
                        connect_ms = connection.ConnectTime.TotalMilliseconds,
                        result,
                        throughput_bytes_per_second = result.ThroughputBytesPerSecond,
                        counters = connection.Client.Counters,
                    });
                }
                else
                {
                    Console.WriteLine(string.Create(
                        CultureInfo.InvariantCulture,
                        $"{result.Pings} PINGs of 0..{result.MaxPayload} bytes, every echo identical: OK\n" +
                        $"round trip  median {result.MedianMs:0.000} ms  p99 {result.P99Ms:0.000} ms  min {result.MinMs:0.000} ms  max {result.MaxMs:0.000} ms\n" +
                        $"small (<= {SelfTest.SmallPayload} B) median {result.SmallMedianMs:0.000} ms; payload throughput {result.ThroughputBytesPerSecond / 1024:0} KiB/s each way; {result.TotalSeconds:0.00} s in all"));
                }

                return 0;
            },
            Console.Error));
        return command;
    }
}
