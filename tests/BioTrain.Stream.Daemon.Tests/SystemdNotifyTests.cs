using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace BioTrain.Stream.Daemon.Tests;

/// <summary>
/// The daemon as systemd runs it (Type=notify, WatchdogSec=): a real notify socket receives
/// READY=1 and then WATCHDOG=1 pings at half the interval; SIGTERM stops it cleanly.
/// </summary>
public sealed class SystemdNotifyTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("bt-notify-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task Daemon_notifies_ready_and_pings_the_watchdog()
    {
        var notifyPath = Path.Combine(_dir.FullName, "notify.sock");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(notifyPath));
        var config = Path.Combine(_dir.FullName, "biotrain.json");
        var options = DaemonConfigText(Path.Combine(_dir.FullName, "state"), Path.Combine(_dir.FullName, "control.sock"));
        await File.WriteAllTextAsync(config, options);

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "biotrain.dll"), "run", "--config", config })
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["NOTIFY_SOCKET"] = notifyPath;
        start.Environment["WATCHDOG_USEC"] = "1000000"; // 1 s: pings every 0.5 s
        using var daemon = Process.Start(start)!;
        try
        {
            var messages = new List<string>();
            var buffer = new byte[4096];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (messages.Count(m => m.Contains("WATCHDOG=1", StringComparison.Ordinal)) < 2)
            {
                var n = await notify.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                messages.Add(Encoding.UTF8.GetString(buffer, 0, n));
            }

            Assert.Contains(messages, m => m.Contains("READY=1", StringComparison.Ordinal));
            Assert.True(messages.FindIndex(m => m.Contains("READY=1", StringComparison.Ordinal)) < messages.FindIndex(m => m.Contains("WATCHDOG=1", StringComparison.Ordinal)));
        }
        finally
        {
            // SIGTERM, as systemctl stop sends.
            ExternalTool.Start("kill", "procps", "-TERM", daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)).WaitForExit();
            await daemon.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(0, daemon.ExitCode);
    }

    private static string DaemonConfigText(string state, string control) => $$"""
        {
          "stateDirectory": "{{state}}",
          "metricsListen": "127.0.0.1:0",
          "controlListen": "unix:{{control}}",
          "lslMachineOnly": true,
          "sessions": [
            {
              "name": "idle",
              "subject": "nobody",
              "input": { "query": "name='no-such-stream-{{Guid.NewGuid():N}}'" },
              "markers": { "classes": ["a", "b"] }
            }
          ]
        }
        """;
}
