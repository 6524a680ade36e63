using System.CommandLine;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Daemon.Control;
using BioTrain.Stream.Daemon.Hosting;
using Microsoft.Extensions.Hosting;

namespace BioTrain.Stream.Cli.Commands;

/// <summary><c>biotrain run</c> (the daemon), <c>biotrain status</c> and <c>biotrain calibrate</c> (its control API).</summary>
internal static class DaemonCommands
{
    private const string DefaultControl = "unix:/run/biotrain/control.sock";

    public static Command Run()
    {
        var config = new Option<string>("--config", "-c") { Description = "Configuration file (JSON)", Required = true };
        var check = new Option<bool>("--check") { Description = "Validate the configuration and exit" };
        var command = new Command("run", "Run the daemon: sessions, predictions over LSL, /metrics, control API (systemd: Type=notify).") { config, check };
        command.SetAction(async (parse, ct) =>
        {
            DaemonOptions options;
            try
            {
                options = DaemonConfigLoader.Load(parse.GetValue(config)!);
            }
            catch (DaemonConfigException e)
            {
                await Console.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
                return 2;
            }

            if (parse.GetValue(check))
            {
                Console.WriteLine($"configuration is valid: {options.Sessions.Count} session(s)");
                return 0;
            }

            var app = DaemonHost.Build(options);
            await using (app.ConfigureAwait(false))
            {
                await app.StartAsync(ct).ConfigureAwait(false);
                await app.WaitForShutdownAsync(ct).ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    public static Command Status()
    {
        var control = ControlOption();
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var command = new Command("status", "Show the daemon's sessions: state, calibration progress, accuracy, predictions.") { control, json };
        command.SetAction((parse, ct) => CliOutput.RunAsync(
            async () =>
            {
                using var http = Client(parse.GetValue(control)!);
                var text = await http.GetStringAsync(new Uri("/status", UriKind.Relative), ct).ConfigureAwait(false);
                if (parse.GetValue(json))
                {
                    Console.WriteLine(text);
                    return 0;
                }

                var document = JsonSerializer.Deserialize<StatusDocument>(text, ControlApi.Json)
                    ?? throw new HttpRequestException("the daemon's /status answer is empty");
                foreach (var line in document.Sessions.SelectMany(StatusText.Lines))
                {
                    Console.WriteLine(line);
                }

                return 0;
            },
            Console.Error));
        return command;
    }

    public static Command Calibrate()
    {
        var control = ControlOption();
        var session = new Argument<string>("session") { Description = "Session name" };
        var action = new Argument<string>("action") { Description = "start, stop (train on what was collected) or reset (forget the subject's weights)" };
        action.AcceptOnlyFromAmong("start", "stop", "reset");
        var command = new Command("calibrate", "Start or stop a session's calibration, or reset its subject.") { session, action, control };
        command.SetAction((parse, ct) => CliOutput.RunAsync(
            async () =>
            {
                using var http = Client(parse.GetValue(control)!);
                var name = Uri.EscapeDataString(parse.GetValue(session)!);
                var path = parse.GetValue(action) switch
                {
                    "start" => $"/sessions/{name}/calibration/start",
                    "stop" => $"/sessions/{name}/calibration/stop",
                    _ => $"/sessions/{name}/reset",
                };
                using var response = await http.PostAsync(new Uri(path, UriKind.Relative), null, ct).ConfigureAwait(false);
                Console.WriteLine(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
                return response.IsSuccessStatusCode ? 0 : 1;
            },
            Console.Error));
        return command;
    }

    /// <summary>The body of <c>GET /status</c>.</summary>
    private sealed record StatusDocument(IReadOnlyList<Daemon.Sessions.SessionStatus> Sessions);

    private static Option<string> ControlOption() => new("--control")
    {
        Description = "Daemon control endpoint: unix:PATH or 127.0.0.1:PORT",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("BIOTRAIN_CONTROL") ?? DefaultControl,
    };

    /// <summary>An HTTP client to the control endpoint, over its Unix socket when it is one.</summary>
    internal static HttpClient Client(string control)
    {
        var endpoint = ListenEndpoint.Parse(control);
        if (!endpoint.IsUnix)
        {
            return new HttpClient { BaseAddress = new Uri($"http://{endpoint.Address}:{endpoint.Port}") };
        }

        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(endpoint.UnixPath!), ct).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler, disposeHandler: true) { BaseAddress = new Uri("http://biotrain") };
    }
}
