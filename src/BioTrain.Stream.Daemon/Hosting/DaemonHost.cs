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
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BioTrain.Stream.Daemon.Hosting;

/// <summary>
/// Builds the daemon: Generic Host (systemd notify, journald-friendly logs), one session per
/// configured subject, Kestrel for /metrics and the control API, and the watchdog.
/// </summary>
public static class DaemonHost
{
    /// <summary>The daemon as <c>biotrain run</c> starts it: one <see cref="SubjectSession"/> per configured session.</summary>
    public static WebApplication Build(DaemonOptions options, Device.Emulation.VirtualDeviceOptions? virtualDevice = null, LogLevel minimumLogLevel = LogLevel.Information)
    {
        ArgumentNullException.ThrowIfNull(options);
        var lsl = LslConfigOf(options);
        return Build(options, minimumLogLevel, (session, services) => new SubjectSession(
            session,
            services.GetRequiredService<DaemonMetrics>(),
            services.GetRequiredService<SubjectStore>(),
            lsl,
            services.GetRequiredService<ILoggerFactory>().CreateLogger($"BioTrain.Session.{session.Name}"),
            virtualDevice));
    }

    /// <summary>LSL settings: the configured file, machine-only scope, or liblsl's search order.</summary>
    public static Lsl.Config.LslConfig LslConfigOf(DaemonOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = options.LslConfigFile is { } file ? Lsl.Config.LslConfig.LoadFile(file) : Lsl.Config.LslConfig.Load();
        return options.LslMachineOnly
            ? config with { IPv6 = Lsl.Config.IPv6Mode.Disable, ResolveScope = Lsl.Config.ResolveScope.Machine, ListenAddress = "127.0.0.1" }
            : config;
    }

    public static WebApplication Build(DaemonOptions options, LogLevel minimumLogLevel, Func<Configuration.SessionOptions, IServiceProvider, ISessionRunner> createSession)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(createSession);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "biotrain" });
        builder.Host.UseSystemd();
        builder.Logging.SetMinimumLevel(minimumLogLevel);
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
        builder.Services.TryAddSingleton<ISystemdNotifier, SystemdNotifier>(); // UseSystemd adds it only under systemd
        builder.Services.AddHostedService<SystemdWatchdog>();

        var metricsEndpoint = ListenEndpoint.Parse(options.MetricsListen);
        var controlEndpoint = ListenEndpoint.Parse(options.ControlListen);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            RequestCaps.Apply(kestrel.Limits);
            Listen(kestrel, metricsEndpoint, control: controlEndpoint == metricsEndpoint);
            if (controlEndpoint != metricsEndpoint)
            {
                Listen(kestrel, controlEndpoint, control: true);
            }
        });

        var app = builder.Build();
        app.Use(RequestCaps.RefuseBodiesAsync);
        if (controlEndpoint.IsUnix)
        {
            // Connecting to a Unix socket needs write permission on it: owner and group (the biotrain group), nobody else.
            var path = controlEndpoint.UnixPath!;
            app.Lifetime.ApplicationStarted.Register(() =>
            {
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
                }
            });
        }
        ControlApi.Map(app, app.Services.GetRequiredService<SessionManager>(), app.Services.GetRequiredService<DaemonMetrics>(), IsControlConnection);
        return app;
    }

    private const string ControlConnection = "biotrain.control";

    /// <summary>Whether the request came in on the control listener (tagged when its connection was accepted).</summary>
    private static bool IsControlConnection(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.ContainsKey(ControlConnection) == true;

    private static void Listen(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel, ListenEndpoint endpoint, bool control)
    {
        void Tag(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions options)
        {
            if (control)
            {
                options.Use(next => connection =>
                {
                    connection.Items[ControlConnection] = true;
                    return next(connection);
                });
            }
        }

        if (endpoint.IsUnix)
        {
            var dir = Path.GetDirectoryName(endpoint.UnixPath!)!;
            if (!Directory.Exists(dir) && !OperatingSystem.IsWindows())
            {
                // As systemd's RuntimeDirectoryMode and tmpfiles.d make /run/biotrain: 0750, owner and group only.
                Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
            }

            Directory.CreateDirectory(dir);
            if (File.Exists(endpoint.UnixPath))
            {
                File.Delete(endpoint.UnixPath!); // stale socket of a previous run
            }

            kestrel.ListenUnixSocket(endpoint.UnixPath!, Tag);
        }
        else
        {
            kestrel.Listen(endpoint.Address!, endpoint.Port, Tag);
        }
    }

}
