using System.Diagnostics;
using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Device.Client;
using BioTrain.Stream.Device.Diagnostics;
using BioTrain.Stream.Device.Transport;

namespace BioTrain.Stream.Device.Tests;

/// <summary>SerialTransport against the real native device behind a pseudo-terminal.</summary>
public class SerialTransportTests
{
    private static readonly DeviceClientOptions Quick = new() { RequestTimeout = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task Handshake_and_pings_of_many_sizes_with_zero_bytes()
    {
        using var device = await PtyDevice.StartAsync();
        await using var connection = await DeviceConnection.OpenAsync(DeviceAddress.Parse($"serial:{device.Path}?baud=3000000"), Quick, null, CancellationToken.None);
        Assert.Equal("host", connection.Client.Capabilities.Port);
        Assert.Equal($"serial:{device.Path}?baud=3000000", connection.Client.Description);
        var max = connection.Client.MaxRequestPayload;
        var random = new Random(3);
        foreach (var size in new[] { 0, 1, 2, 253, 254, 255, 256, 509, 1000, 4095, 4096, max - 1, max })
        {
            var zeros = new byte[size];
            await connection.Client.PingAsync(zeros, CancellationToken.None);
            var mixed = new byte[size];
            random.NextBytes(mixed);
            for (var i = 0; i < size; i += 7)
            {
                mixed[i] = 0;
            }

            await connection.Client.PingAsync(mixed, CancellationToken.None);
        }

        var result = await SelfTest.RunAsync(connection.Client, new SelfTestOptions { Count = 100, Seed = 5 }, null, CancellationToken.None);
        Assert.Equal(100, result.Pings);
        Assert.Equal(0, connection.Client.Counters.FramesRejected);
        Assert.Equal(0, connection.Client.Counters.DeviceErrors);
    }

    [Fact]
    public async Task Device_keeps_serving_after_the_host_closes_the_port()
    {
        using var device = await PtyDevice.StartAsync();
        for (var round = 0; round < 3; round++)
        {
            await using var transport = SerialTransport.Open(device.Path, null);
            await using var client = await DeviceClient.ConnectAsync(transport, Quick, CancellationToken.None);
            await client.PingAsync(new byte[300], CancellationToken.None);
        }
    }

    [Fact]
    public async Task Device_gone_mid_request_is_a_disconnect_not_a_hang()
    {
        using var device = await PtyDevice.StartAsync();
        await using var client = await DeviceClient.ConnectAsync(SerialTransport.Open(device.Path, null), new DeviceClientOptions { RequestTimeout = TimeSpan.FromSeconds(30) }, CancellationToken.None);
        await client.PingAsync(new byte[10], CancellationToken.None);
        device.Freeze();
        var ping = client.PingAsync(new byte[2000], CancellationToken.None);
        await Task.Delay(100);
        Assert.False(ping.IsCompleted);
        device.Kill();
        var e = await Assert.ThrowsAsync<DeviceDisconnectedException>(() => ping.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains(device.Path, e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<DeviceDisconnectedException>(() => client.PingAsync(new byte[1], CancellationToken.None));
    }

    [Fact]
    public void Missing_node_is_a_clear_start_error()
    {
        var e = Assert.Throws<DeviceStartException>(() => SerialTransport.Open("/dev/ttyUSB-biotrain-absent", null));
        Assert.Contains("no such device node", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_a_tty_is_a_clear_start_error()
    {
        var e = Assert.Throws<DeviceStartException>(() => SerialTransport.Open("/dev/null", null));
        Assert.Contains("not a tty", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Busy_port_names_the_process_that_holds_it()
    {
        using var device = await PtyDevice.StartAsync();
        await using var holder = SerialTransport.Open(device.Path, null);
        if (Environment.UserName != "root")
        {
            // TIOCEXCL refuses a second open with EBUSY to anyone without CAP_SYS_ADMIN.
            var e = Assert.Throws<DeviceStartException>(() => SerialTransport.Open(device.Path, null));
            Assert.Contains("busy", e.Message, StringComparison.Ordinal);
            return;
        }

        // Root passes TIOCEXCL: open from a CLI process without CAP_SYS_ADMIN, as a user would be.
        var (exit, stderr) = await RunCliAsync(["--bounding-set=-sys_admin", "--inh-caps=-sys_admin"], "device", "info", "--device", $"serial:{device.Path}");
        Assert.Equal(1, exit);
        Assert.Contains("the port is busy", stderr, StringComparison.Ordinal);
        Assert.Contains($"pid {Environment.ProcessId}", stderr, StringComparison.Ordinal);
    }

    [AsAnotherUserFact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Permission_denied_names_the_group_to_join()
    {
        using var device = await PtyDevice.StartAsync();
        File.SetUnixFileMode(device.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
        var (exit, stderr) = await RunCliAsync(["--reuid=65534", "--regid=65534", "--clear-groups"], "device", "info", "--device", $"serial:{device.Path}");
        Assert.Equal(1, exit);
        Assert.Contains("permission denied", stderr, StringComparison.Ordinal);
        Assert.Contains("add the user to group", stderr, StringComparison.Ordinal);
    }

    /// <summary>A test that runs the CLI as another user: needs root, and a build output that user can read.</summary>
    private sealed class AsAnotherUserFactAttribute : FactAttribute
    {
        public AsAnotherUserFactAttribute() => Skip =
            !OperatingSystem.IsLinux() ? "Linux only"
            : Environment.UserName != "root" ? "needs root to open the port as another user (CI runs as root)"
            : !OthersCanRun(AppContext.BaseDirectory) ? $"the build output in {AppContext.BaseDirectory} is not readable by uid 65534, which runs the CLI"
            : null;
    }

    /// <summary>Whether a user with no groups can enter every directory up to <paramref name="directory"/> and read the CLI in it.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static bool OthersCanRun(string directory)
    {
        for (var dir = new DirectoryInfo(directory); dir is not null; dir = dir.Parent)
        {
            if ((dir.UnixFileMode & UnixFileMode.OtherExecute) == 0)
            {
                return false;
            }
        }

        return (File.GetUnixFileMode(Path.Combine(directory, "biotrain.dll")) & UnixFileMode.OtherRead) != 0;
    }

    /// <summary>Runs the biotrain CLI under setpriv (util-linux) with the given privilege changes.</summary>
    private static async Task<(int ExitCode, string Stderr)> RunCliAsync(string[] setpriv, params string[] args)
    {
        var start = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in setpriv)
        {
            start.ArgumentList.Add(a);
        }

        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "biotrain.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        // dotnet run as another user needs a home it may write to.
        start.Environment["HOME"] = Path.GetTempPath();
        start.Environment["DOTNET_CLI_HOME"] = Path.GetTempPath();
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = ExternalTool.Start(start, "util-linux");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        await stdout;
        return (process.ExitCode, await stderr);
    }
}
