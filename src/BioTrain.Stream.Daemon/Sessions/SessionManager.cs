using BioTrain.Stream.Daemon.Persistence;
using BioTrain.Stream.Device;
using BioTrain.Stream.Lsl;
using BioTrain.Stream.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BioTrain.Stream.Daemon.Sessions;

/// <summary>Runs every configured session, each on its own task; a session that fails does not stop the others.</summary>
public sealed class SessionManager : BackgroundService
{
    private readonly IReadOnlyList<ISessionRunner> _sessions;
    private readonly ILogger<SessionManager> _logger;

    public SessionManager(IEnumerable<ISessionRunner> sessions, ILogger<SessionManager> logger)
    {
        _sessions = [.. sessions];
        _logger = logger;
    }

    public IReadOnlyList<ISessionControl> All => _sessions;

    public ISessionControl? Find(string name) => _sessions.FirstOrDefault(s => s.Name == name);

    /// <summary>Last time every session loop reported progress; the systemd watchdog pings only while this is recent.</summary>
    public DateTimeOffset LastHeartbeat => _sessions.Count == 0 ? DateTimeOffset.UtcNow : _sessions.Min(s => s.LastHeartbeat);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var tasks = _sessions.Select(s => RunOneAsync(s, stoppingToken)).ToArray();
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private async Task RunOneAsync(ISessionRunner session, CancellationToken stoppingToken)
    {
        try
        {
            await session.RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is DeviceException or LslException or ModelFormatException or SubjectStoreException or IOException or UnauthorizedAccessException)
        {
            // An expected fault (configuration, hardware, file system): its message says it all; a stack trace would bury it.
            _logger.LogError("session {Session} failed: {Error}", session.Name, e.Message);
        }
#pragma warning disable CA1031 // one session's failure is logged and shown in its status; the others go on
        catch (Exception e)
#pragma warning restore CA1031
        {
            _logger.LogError(e, "session {Session} failed", session.Name);
        }
    }
}

/// <summary>A session the manager can run.</summary>
public interface ISessionRunner : ISessionControl
{
    DateTimeOffset LastHeartbeat { get; }

    Task RunAsync(CancellationToken stoppingToken);
}
