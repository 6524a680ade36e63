using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Daemon.Hosting;
using BioTrain.Stream.Daemon.Metrics;
using BioTrain.Stream.Daemon.Sessions;
using BioTrain.Stream.Lsl.Config;
using WebApplication = Microsoft.AspNetCore.Builder.WebApplication;
using Microsoft.Extensions.DependencyInjection;

namespace BioTrain.Stream.Scenarios;

/// <summary>
/// The daemon, in this process, with one session: state, control socket and a machine-only LSL
/// configuration of its own in the scenario's working directory, metrics on a free loopback port.
/// </summary>
internal sealed class ScenarioDaemon : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ScenarioDaemon(WebApplication app, LslConfig lsl, SubjectSession session, Uri? statusPage)
    {
        StatusPage = statusPage;
        _app = app;
        Lsl = lsl;
        Session = session;
        Metrics = app.Services.GetRequiredService<DaemonMetrics>();
    }

    /// <summary>The LSL configuration the daemon uses: replayers and watchers use it too.</summary>
    public LslConfig Lsl { get; }

    public SubjectSession Session { get; }

    public DaemonMetrics Metrics { get; }

    /// <summary>The live status page, when the scenario asked for one.</summary>
    public Uri? StatusPage { get; }

    public static Task<ScenarioDaemon> StartAsync(string directory, SessionOptions session, CancellationToken cancellationToken) =>
        StartAsync(directory, session, null, cancellationToken);

    public static async Task<ScenarioDaemon> StartAsync(string directory, SessionOptions session, string? statusListen, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var (lsl, lslFile) = ScenarioSupport.PrivateLslConfig(directory);
        var options = new DaemonOptions
        {
            StateDirectory = Path.Combine(directory, "state"),
            MetricsListen = "127.0.0.1:0",
            ControlListen = $"unix:{Path.Combine(directory, "control.sock")}",
            LslConfigFile = lslFile,
            Sessions = [session],
            StatusListen = statusListen,
        };
        var app = DaemonHost.Build(options, minimumLogLevel: Microsoft.Extensions.Logging.LogLevel.Warning);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            return new ScenarioDaemon(app, lsl, (SubjectSession)app.Services.GetRequiredService<SessionManager>().Find(session.Name)!, DaemonHost.StatusPageAddress(app));
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
