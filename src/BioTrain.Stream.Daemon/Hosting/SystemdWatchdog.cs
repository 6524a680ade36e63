using System.Globalization;
using BioTrain.Stream.Daemon.Sessions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace BioTrain.Stream.Daemon.Hosting;

/// <summary>
/// Pings systemd's watchdog (WatchdogSec=) at half its interval, but only while the sessions are
/// alive: a wedged session loop stops the pings and systemd restarts the service.
/// </summary>
public sealed class SystemdWatchdog : BackgroundService
{
    private readonly ISystemdNotifier _notifier;
    private readonly SessionManager _sessions;
    private readonly ILogger<SystemdWatchdog> _logger;

    public SystemdWatchdog(ISystemdNotifier notifier, SessionManager sessions, ILogger<SystemdWatchdog> logger)
    {
        _notifier = notifier;
        _sessions = sessions;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_notifier.IsEnabled)
        {
            // Type=notify: ready once the listeners are up and the sessions are running. The
            // hosting library says so too when it detects systemd as the parent; twice is harmless.
            _notifier.Notify(new ServiceState($"READY=1\nSTATUS={_sessions.All.Count} session(s) running"));
        }

        if (!_notifier.IsEnabled || !long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var usec) || usec <= 0)
        {
            return;
        }

        var interval = TimeSpan.FromMicroseconds(usec);
        using var timer = new PeriodicTimer(interval / 2);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (DateTimeOffset.UtcNow - _sessions.LastHeartbeat < interval)
            {
                _notifier.Notify(new ServiceState("WATCHDOG=1"));
            }
            else
            {
                _logger.LogWarning("a session loop has been silent for {Seconds:0} s; not pinging the watchdog", (DateTimeOffset.UtcNow - _sessions.LastHeartbeat).TotalSeconds);
            }
        }
    }
}
