using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Daemon.Control;
using BioTrain.Stream.Daemon.Hosting;

namespace BioTrain.Stream.Daemon.Tests;

/// <summary>The control socket refuses bodies and huge headers, and only its owner and group may connect.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ControlApiLimitsTests : IAsyncLifetime
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("bt-control-");
    private Microsoft.AspNetCore.Builder.WebApplication? _app;

    private string Socket => Path.Combine(_dir.FullName, "run", "control.sock");

    public async Task InitializeAsync()
    {
        var options = new DaemonOptions
        {
            StateDirectory = Path.Combine(_dir.FullName, "state"),
            MetricsListen = "127.0.0.1:0",
            ControlListen = $"unix:{Socket}",
            Sessions = [],
        };
        _app = DaemonHost.Build(options);
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _app!.StopAsync();
        await _app.DisposeAsync();
        _dir.Delete(recursive: true);
    }

    private async Task<string> SendAsync(string head, int bodyBytes = 0)
    {
        using var socket = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(Socket));
        await socket.SendAsync(Encoding.ASCII.GetBytes(head));
        var sent = 0;
        var chunk = new byte[64 * 1024];
        try
        {
            while (sent < bodyBytes)
            {
                sent += await socket.SendAsync(chunk.AsMemory(0, Math.Min(chunk.Length, bodyBytes - sent)));
            }
        }
        catch (SocketException)
        {
            // the daemon closed the connection after its answer: what the test wants
        }

        var reply = new byte[4096];
        var n = await socket.ReceiveAsync(reply).WaitAsync(TimeSpan.FromSeconds(10));
        return Encoding.ASCII.GetString(reply, 0, n);
    }

    [Fact]
    public async Task A_large_or_chunked_body_is_refused_with_413_without_being_read()
    {
        var declared = await SendAsync("POST /sessions/x/calibration/start HTTP/1.1\r\nHost: d\r\nContent-Length: 20000000\r\n\r\n", bodyBytes: 256 * 1024);
        Assert.StartsWith("HTTP/1.1 413", declared, StringComparison.Ordinal);
        Assert.Contains($"limited to {RequestCaps.MaxBodyBytes} bytes", declared, StringComparison.Ordinal);
        var chunked = await SendAsync("POST /status HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\n10000\r\n");
        Assert.StartsWith("HTTP/1.1 413", chunked, StringComparison.Ordinal);
        var ok = await SendAsync("GET /status HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", ok, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oversized_headers_are_refused_with_431()
    {
        var reply = await SendAsync($"GET /status HTTP/1.1\r\nHost: d\r\nX-Padding: {new string('a', 64 * 1024)}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 431", reply, StringComparison.Ordinal);
    }

    [Fact]
    public void The_socket_is_for_its_owner_and_group_only_and_another_user_cannot_connect()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, File.GetUnixFileMode(Socket));
        var dir = Path.GetDirectoryName(Socket)!;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute, File.GetUnixFileMode(dir));
        if (Environment.UserName != "root")
        {
            return; // only root can run a process as another user; the modes above are what stops one
        }

        // Let another user reach the socket's directory so the socket's own mode is what is tested too.
        File.SetUnixFileMode(_dir.FullName, File.GetUnixFileMode(_dir.FullName) | UnixFileMode.OtherExecute);
        var other = Run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", $"import socket; socket.socket(socket.AF_UNIX).connect('{Socket}')");
        Assert.NotEqual(0, other.Exit);
        Assert.Contains("PermissionError", other.Error, StringComparison.Ordinal);
        var owner = Run("/usr/bin/python3", "-c", $"import socket; socket.socket(socket.AF_UNIX).connect('{Socket}')");
        Assert.True(owner.Exit == 0, owner.Error);
    }

    private static (int Exit, string Error) Run(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, error);
    }
}
