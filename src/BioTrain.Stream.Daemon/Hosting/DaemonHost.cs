using System.Net;
using System.Net.Sockets;
using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Daemon.Control;
using BioTrain.Stream.Daemon.Metrics;
using BioTrain.Stream.Daemon.Persistence;
using BioTrain.Stream.Daemon.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BioTrain.Stream.Daemon.Hosting;

/// <summary>
/// Builds the daemon: Generic Host (systemd notify, journald-friendly logs), one session per
/// configured subject, Kestrel for /metrics and the control API, and the watchdog.
/// </summary>
public static class DaemonHost
{
    public static WebApplication Build(DaemonOptions options, Func<Configuration.SessionOptions, IServiceProvider, ISessionRunner> createSession)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(createSession);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "biotrain" });
        builder.Host.UseSystemd();
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<DaemonMetrics>();
        builder.Services.AddSingleton(new SubjectStore(options.StateDirectory));
        foreach (var session in options.Sessions)
        {
            builder.Services.AddSingleton(sp => createSession(session, sp));
        }

        builder.Services.AddSingleton<SessionManager>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SessionManager>());
        builder.Services.AddHostedService<SystemdWatchdog>();

        var metricsEndpoint = ListenEndpoint.Parse(options.MetricsListen);
        var controlEndpoint = ListenEndpoint.Parse(options.ControlListen);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            Listen(kestrel, metricsEndpoint);
            if (controlEndpoint != metricsEndpoint)
            {
                Listen(kestrel, controlEndpoint);
            }
        });

        var app = builder.Build();
        ControlApi.Map(app, app.Services.GetRequiredService<SessionManager>(), app.Services.GetRequiredService<DaemonMetrics>(), ctx => Arrived(ctx, controlEndpoint));
        return app;
    }

    private static void Listen(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel, ListenEndpoint endpoint)
    {
        if (endpoint.IsUnix)
        {
            var dir = Path.GetDirectoryName(endpoint.UnixPath!)!;
            Directory.CreateDirectory(dir);
            if (File.Exists(endpoint.UnixPath))
            {
                File.Delete(endpoint.UnixPath!); // stale socket of a previous run
            }

            kestrel.ListenUnixSocket(endpoint.UnixPath!);
        }
        else
        {
            kestrel.Listen(endpoint.Address!, endpoint.Port);
        }
    }

    /// <summary>Whether a request came in on the given endpoint (Unix path or TCP port).</summary>
    private static bool Arrived(HttpContext context, ListenEndpoint endpoint)
    {
        var local = context.Features.Get<IConnectionEndPointFeature>()?.LocalEndPoint;
        return endpoint.IsUnix
            ? local is UnixDomainSocketEndPoint unix && unix.ToString() == endpoint.UnixPath
            : local is IPEndPoint ip && ip.Port == endpoint.Port;
    }
}
