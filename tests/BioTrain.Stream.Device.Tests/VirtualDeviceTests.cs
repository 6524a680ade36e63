using System.Diagnostics;
using System.Net.Sockets;
using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Device.Client;
using BioTrain.Stream.Device.Diagnostics;
using BioTrain.Stream.Device.Emulation;
using BioTrain.Stream.Device.Protocol;
using BioTrain.Stream.Device.Protocol.Messages;
using BioTrain.Stream.Device.Transport;

namespace BioTrain.Stream.Device.Tests;

/// <summary>The real virtual devices: the native process and the firmware in QEMU.</summary>
public class VirtualDeviceTests
{
    [Theory]
    [InlineData("emu:native", "host")]
    [InlineData("emu:qemu", "qemu-virt")]
    public async Task Handshake_reports_GAP9_memory(string address, string port)
    {
        await using var connection = await DeviceConnection.OpenAsync(DeviceAddress.Parse(address), null, null, CancellationToken.None);
        var caps = connection.Client.Capabilities;
        Assert.Equal(port, caps.Port);
        Assert.Equal(ProtocolVersion.Major, caps.ProtocolMajor);
        Assert.Equal(1536u * 1024, caps.Regions.Single(r => r.Name == "L2").Size);
        Assert.Equal(128u * 1024, caps.Regions.Single(r => r.Name == "L1").Size);
        Assert.Equal(port == "qemu-virt", caps.Features.HasFlag(DeviceFeatures.InstructionCounters));
        Assert.True(caps.MaxPayload >= 4096);
    }

    [Theory]
    [InlineData("emu:qemu", 8)]
    [InlineData("emu:qemu?harts=3", 3)]
    [InlineData("emu:native", 1)]
    public async Task Devices_report_their_cores(string address, int cores)
    {
        // QEMU's harts (-smp) are the virtual GAP9's cluster cores; the firmware finds them in the device tree.
        await using var connection = await DeviceConnection.OpenAsync(DeviceAddress.Parse(address), null, null, CancellationToken.None);
        Assert.Equal(cores, connection.Client.Capabilities.Cores);
    }

    [Theory]
    [InlineData("emu:native", 400)]
    [InlineData("emu:qemu", 60)]
    public async Task Selftest_echoes_every_size_from_zero_to_max(string address, int count)
    {
        await using var connection = await DeviceConnection.OpenAsync(DeviceAddress.Parse(address), null, null, CancellationToken.None);
        var result = await SelfTest.RunAsync(connection.Client, new SelfTestOptions { Count = count, Seed = 7 }, null, CancellationToken.None);
        Assert.Equal(count, result.Pings);
        Assert.Equal((int)connection.Client.Capabilities.MaxPayload, result.MaxPayload);
        Assert.Equal(0, connection.Client.Counters.FramesRejected);
        Assert.Equal(0, connection.Client.Counters.DeviceErrors);
        Assert.True(result.MedianMs > 0 && result.P99Ms >= result.MedianMs);
    }

    [Theory]
    [InlineData("emu:native")]
    [InlineData("emu:qemu")]
    public async Task Device_answers_bad_frames_with_errors_and_stays_up(string address)
    {
        // Raw bytes to the real firmware: every bad golden frame gets its ERROR, then a good PING works.
        await using var device = await VirtualDevice.StartAsync(address == "emu:native" ? VirtualDeviceKind.Native : VirtualDeviceKind.Qemu, null, CancellationToken.None);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await ConnectWithRetry(socket, device.SocketPath);
        await using var stream = new NetworkStream(socket);
        var reader = new FrameReader(System.IO.Pipelines.PipeReader.Create(stream), 65536, ProtocolVersion.FrameVersion);
        foreach (var vector in GoldenVector.LoadAll().Where(v => v.ExpectError is not null))
        {
            await stream.WriteAsync(vector.Frame);
            var read = await reader.ReadAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            using var frame = read.Frame;
            Assert.NotNull(frame);
            Assert.Equal(MessageType.Error, frame.Header.Type);
            var error = ErrorMessage.Decode(frame.Payload);
            Assert.Equal(vector.ExpectError, error.Code.SpecName());
            if (error.Code == DeviceErrorCode.VersionMismatch)
            {
                Assert.Equal("protocol version mismatch: device 1.1, host 2.3", error.Text);
            }
        }

        await stream.WriteAsync(ScriptedDevice.Frame(MessageType.Ping, 77, "still here"u8));
        var pong = await reader.ReadAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        using var pongFrame = pong.Frame;
        Assert.NotNull(pongFrame);
        Assert.Equal(MessageType.Pong, pongFrame.Header.Type);
        Assert.Equal(77, pongFrame.Header.Seq);
        Assert.Equal("still here"u8.ToArray(), pongFrame.Payload.ToArray());
    }

    [Fact]
    public async Task Missing_qemu_is_a_clear_start_error()
    {
        var options = new VirtualDeviceOptions { QemuExecutable = "qemu-system-riscv32-not-installed" };
        var e = await Assert.ThrowsAsync<DeviceStartException>(() => VirtualDevice.StartAsync(VirtualDeviceKind.Qemu, options, CancellationToken.None));
        Assert.Contains("qemu-system-misc", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_firmware_is_a_clear_start_error()
    {
        var options = new VirtualDeviceOptions { Firmware = new FirmwareLocator([Path.GetTempPath()]) };
        var e = await Assert.ThrowsAsync<DeviceStartException>(() => VirtualDevice.StartAsync(VirtualDeviceKind.Native, options, CancellationToken.None));
        Assert.Contains("bt-device-host not found", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Native_device_refuses_a_socket_path_in_use()
    {
        var path = Path.Combine(Path.GetTempPath(), $"bt-taken-{Guid.NewGuid():N}.sock");
        using var holder = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        holder.Bind(new UnixDomainSocketEndPoint(path));
        holder.Listen(1);
        try
        {
            var start = new ProcessStartInfo(FirmwareLocator.Default().Find("bt-device-host"), ["--unix", path]) { RedirectStandardError = true, RedirectStandardOutput = true };
            using var process = Process.Start(start)!;
            var stderr = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(1, process.ExitCode);
            Assert.Contains("is taken", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Unreachable_address_is_a_start_error_not_a_hang()
    {
        var address = DeviceAddress.Parse($"unix:{Path.Combine(Path.GetTempPath(), "no-such-device.sock")}");
        await Assert.ThrowsAsync<DeviceStartException>(() => DeviceConnection.OpenAsync(address, new DeviceClientOptions(), null, CancellationToken.None));
    }

    [Fact]
    public async Task Native_device_listens_on_loopback_tcp()
    {
        var start = new ProcessStartInfo(FirmwareLocator.Default().Find("bt-device-host"), ["--tcp", "127.0.0.1:0", "--once"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        try
        {
            var ready = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.StartsWith("READY tcp:127.0.0.1:", ready, StringComparison.Ordinal);
            var address = DeviceAddress.Parse(ready!["READY ".Length..]);
            await using var connection = await DeviceConnection.OpenAsync(address, null, null, CancellationToken.None);
            await connection.Client.PingAsync(new byte[1000], CancellationToken.None);
        }
        finally
        {
            process.Kill();
        }
    }

    private static async Task ConnectWithRetry(Socket socket, string path)
    {
        for (var i = 0; ; i++)
        {
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
                return;
            }
            catch (SocketException) when (i < 100)
            {
                await Task.Delay(20);
            }
        }
    }
}
