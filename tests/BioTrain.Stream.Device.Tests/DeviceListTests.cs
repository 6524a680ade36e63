using System.Diagnostics;
using System.Text.Json;

namespace BioTrain.Stream.Device.Tests;

/// <summary>
/// <c>biotrain device list</c> and the USB transport against an FTDI FT2232H emulated by umockdev
/// (umockdev/ft2232h-gap9-evk.umockdev). umockdev emulates sysfs and the usbfs node, so libusb
/// enumerates and opens the device; without an ioctl recording it cannot answer control or bulk
/// transfers, so the FTDI set-up fails with a typed LIBUSB_ERROR_IO.
/// </summary>
public class DeviceListTests
{
    private static string Ft2232h => Path.Combine(RepoPaths.Root, "tests", "BioTrain.Stream.Device.Tests", "umockdev", "ft2232h-gap9-evk.umockdev");

    [Fact]
    public async Task Lists_the_virtual_devices_and_no_error_on_this_machine()
    {
        var (exit, stdout, stderr) = await CliProcess.RunAsync("device", "list", "--json");
        Assert.True(exit == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var usb = json.RootElement.GetProperty("usb");
        Assert.Equal(JsonValueKind.Null, usb.GetProperty("error").ValueKind);
        Assert.Equal(JsonValueKind.Array, usb.GetProperty("devices").ValueKind);
        var uris = json.RootElement.GetProperty("virtual").EnumerateArray().Select(v => v.GetProperty("uri").GetString()).ToList();
        Assert.Equal(["emu:native", "emu:qemu"], uris);
    }

    [Fact]
    public async Task Lists_an_emulated_FT2232H_with_the_uri_that_opens_its_uart()
    {
        var (exit, stdout, stderr) = await RunUnderUmockdevAsync("device", "list", "--json");
        Assert.True(exit == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var device = Assert.Single(json.RootElement.GetProperty("usb").GetProperty("devices").EnumerateArray());
        Assert.Equal("0403:6010", device.GetProperty("ids").GetString());
        Assert.Equal("FT7GAP9X", device.GetProperty("serial").GetString());
        Assert.Equal(1, device.GetProperty("bus").GetInt32());
        Assert.Equal(5, device.GetProperty("address").GetInt32());
        var uris = device.GetProperty("links").EnumerateArray().Select(l => l.GetProperty("uri").GetString()).ToList();
        Assert.Equal(["usb:0403:6010?iface=0&serial=FT7GAP9X", "usb:0403:6010?iface=1&serial=FT7GAP9X"], uris);

        var (textExit, text, _) = await RunUnderUmockdevAsync("device", "list");
        Assert.Equal(0, textExit);
        Assert.Contains("usb:0403:6010?iface=1&serial=FT7GAP9X", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Opening_the_emulated_FT2232H_is_a_typed_error_naming_libusb()
    {
        var (exit, _, stderr) = await RunUnderUmockdevAsync("device", "info", "--device", "usb:0403:6010?iface=1&serial=FT7GAP9X");
        Assert.Equal(1, exit);
        Assert.StartsWith("error: SIO_RESET on FTDI 0403:6010 interface 1 failed: LIBUSB_ERROR_IO", stderr, StringComparison.Ordinal);

        var (rawExit, _, rawError) = await RunUnderUmockdevAsync("device", "info", "--device", "usb:0403:6010?iface=1&bridge=raw");
        Assert.Equal(1, rawExit);
        Assert.Contains("LIBUSB_ERROR_IO", rawError, StringComparison.Ordinal);

        var (otherExit, _, otherError) = await RunUnderUmockdevAsync("device", "info", "--device", "usb:0403:6010?serial=OTHER");
        Assert.Equal(1, otherExit);
        Assert.Contains("attached: 0403:6010 serial FT7GAP9X", otherError, StringComparison.Ordinal);

        var (ifaceExit, _, ifaceError) = await RunUnderUmockdevAsync("device", "info", "--device", "usb:0403:6010?iface=4");
        Assert.Equal(1, ifaceExit);
        Assert.Contains("has no interface 4 (it has 0, 1)", ifaceError, StringComparison.Ordinal);
    }

    /// <summary>
    /// Runs the CLI in a umockdev testbed. The .NET debugger transport is switched off: its thread
    /// opens a FIFO that blocks until a debugger connects, and umockdev's preload holds a global
    /// lock around every open(), so every other open in the process would wait forever.
    /// </summary>
    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunUnderUmockdevAsync(params string[] args)
    {
        var start = new ProcessStartInfo("umockdev-run") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--device", Ft2232h, "--", "dotnet", Path.Combine(AppContext.BaseDirectory, "biotrain.dll") }.Concat(args))
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["DOTNET_EnableDiagnostics_Debugger"] = "0";
        using var process = ExternalTool.Start(start, "umockdev");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        return (process.ExitCode, await stdout, await stderr);
    }
}
