using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using BioTrain.Stream.Daemon.Control;

namespace BioTrain.Stream.Scenarios.Soak;

/// <summary>What /proc says of a process: resident memory, threads, open file descriptors.</summary>
internal sealed record ProcFigures(long RssBytes, int Threads, int OpenFds);

/// <summary>What the daemon says of itself over its socket: managed heap, allocations, and the session's status.</summary>
internal sealed record DaemonFigures(long GcHeapBytes, long AllocatedBytes, string State, long Predictions, long WindowsDropped, int AdaptationRounds);

/// <summary>
/// <c>biotrain run</c> in a process of its own, as systemd runs it, so the soak's own threads,
/// allocations and LSL peers stay out of the daemon's figures. Its output is kept (the last lines)
/// to explain an exit; it is stopped with SIGTERM, as <c>systemctl stop</c> does, so it stops its
/// virtual device itself.
/// </summary>
internal sealed class DaemonProcess : IAsyncDisposable
{
    private const int LogLines = 40;
    private const int SigTerm = 15;

    private readonly Process _process;
    private readonly Queue<string> _log = new();
    private readonly Lock _logGate = new();
    private readonly HttpClient _http;

    private DaemonProcess(Process process, string socket)
    {
        _process = process;
        _http = ControlClient.Create(socket);
        _http.Timeout = TimeSpan.FromSeconds(30);
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="command"/> (the program and what precedes a subcommand) with <c>run --config</c>; metrics and control on one socket.</summary>
    public static DaemonProcess Start(IReadOnlyList<string> command, string configFile, string socket, string workingDirectory)
    {
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The host watches its content root (the working directory) recursively for appsettings
            // changes: from a checkout, every build's new folders would grow the daemon's figures.
            WorkingDirectory = workingDirectory,
        };
        foreach (var arg in command.Skip(1).Concat(["run", "--config", configFile]))
        {
            start.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = start };
        var daemon = new DaemonProcess(process, socket);
        process.OutputDataReceived += (_, e) => daemon.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => daemon.Keep(e.Data);
        if (!process.Start())
        {
            throw new SoakException($"could not start the daemon: {string.Join(' ', start.ArgumentList)}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return daemon;
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logGate)
        {
            _log.Enqueue(line);
            if (_log.Count > LogLines)
            {
                _log.Dequeue();
            }
        }
    }

    /// <summary>The daemon's last lines of output, to explain why it stopped or did not start.</summary>
    public string LogTail()
    {
        lock (_logGate)
        {
            return _log.Count == 0 ? "(no output)" : string.Join('\n', _log);
        }
    }

    /// <summary>A one-line reason when the daemon has exited, with its last output.</summary>
    public string ExitReason() => _process.HasExited
        ? string.Create(CultureInfo.InvariantCulture, $"the daemon exited with code {_process.ExitCode}; its last output:\n{LogTail()}")
        : "the daemon is running";

    /// <summary>Waits until the control API answers for <paramref name="session"/>.</summary>
    public async Task WaitUntilAnsweringAsync(string session, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new SoakException($"the daemon did not start: {ExitReason()}");
            }

            try
            {
                await ReadStatusAsync(session, ct).ConfigureAwait(false);
                return;
            }
            catch (HttpRequestException) when (deadline.Elapsed < timeout)
            {
                // The socket is not there yet: the host is still starting.
            }
            catch (HttpRequestException e)
            {
                throw new SoakException($"the daemon's control socket did not answer within {timeout.TotalSeconds:0} s ({e.Message}); its last output:\n{LogTail()}", e);
            }

            await Task.Delay(200, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Resident memory and threads from /proc/PID/status, open descriptors from /proc/PID/fd.</summary>
    public async Task<ProcFigures> ReadProcAsync(CancellationToken ct)
    {
        var lines = await File.ReadAllLinesAsync($"/proc/{Id}/status", ct).ConfigureAwait(false);
        long rssKb = 0;
        var threads = 0;
        foreach (var line in lines)
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rssKb = long.Parse(line["VmRSS:".Length..].Replace("kB", string.Empty, StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("Threads:", StringComparison.Ordinal))
            {
                threads = int.Parse(line["Threads:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        var fds = Directory.EnumerateFileSystemEntries($"/proc/{Id}/fd").Count();
        return new ProcFigures(rssKb * 1024, threads, fds);
    }

    /// <summary>The runtime's heap figures from /metrics and the session's status from the control API.</summary>
    public async Task<DaemonFigures> ReadDaemonAsync(string session, CancellationToken ct)
    {
        var metrics = await _http.GetStringAsync(new Uri("/metrics", UriKind.Relative), ct).ConfigureAwait(false);
        var status = await ReadStatusAsync(session, ct).ConfigureAwait(false);
        return new DaemonFigures(
            (long)Metric(metrics, "dotnet_gc_heap_size_bytes"),
            (long)Metric(metrics, "dotnet_gc_allocated_bytes_total"),
            status.GetProperty("state").GetString() ?? "?",
            status.GetProperty("predictions").GetInt64(),
            status.GetProperty("windowsDropped").GetInt64(),
            status.GetProperty("adaptationRounds").GetInt32());
    }

    private async Task<JsonElement> ReadStatusAsync(string session, CancellationToken ct)
    {
        var text = await _http.GetStringAsync(new Uri($"/sessions/{Uri.EscapeDataString(session)}", UriKind.Relative), ct).ConfigureAwait(false);
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>The value of an unlabelled metric in the text exposition format.</summary>
    private static double Metric(string exposition, string name)
    {
        foreach (var line in exposition.Split('\n'))
        {
            if (line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] == ' ')
            {
                return double.Parse(line[(name.Length + 1)..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture);
            }
        }

        throw new SoakException($"the daemon's /metrics has no {name}");
    }

    /// <summary>SIGTERM, then up to 30 s for a clean stop; what is still running after that is killed.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        _ = Kill(_process.Id, SigTerm);
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        finally
        {
            _http.Dispose();
            _process.Dispose();
        }
    }

    // .NET sends only SIGKILL to another process; a clean stop needs SIGTERM.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);
}
