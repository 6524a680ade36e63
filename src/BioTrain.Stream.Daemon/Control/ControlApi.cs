using System.Text.Json;
using System.Text.Json.Serialization;
using BioTrain.Stream.Daemon.Metrics;
using BioTrain.Stream.Daemon.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace BioTrain.Stream.Daemon.Control;

/// <summary>
/// The HTTP surface: <c>/metrics</c> for Prometheus, and the control API (<c>/status</c>,
/// calibration start/stop, subject reset) which answers only on the control endpoint, whose Unix
/// socket sits in a directory only the service user (and root) can open.
/// </summary>
public static class ControlApi
{
    public static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        WriteIndented = true,
    };

    public static void Map(IEndpointRouteBuilder app, SessionManager sessions, DaemonMetrics metrics, Func<HttpContext, bool> isControlEndpoint)
    {
        app.MapGet("/metrics", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.ExportAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        });

        var control = app.MapGroup(string.Empty).AddEndpointFilter(async (ctx, next) =>
            isControlEndpoint(ctx.HttpContext) ? await next(ctx).ConfigureAwait(false) : Results.NotFound());

        control.MapGet("/status", () => Results.Json(new { sessions = sessions.All.Select(s => s.Status).ToArray() }, Json));
        control.MapGet("/sessions/{name}", (string name) =>
            sessions.Find(name) is { } s ? Results.Json(s.Status, Json) : UnknownSession(name));
        control.MapPost("/sessions/{name}/calibration/start", (string name) => Act(sessions, name, s => s.StartCalibration()));
        control.MapPost("/sessions/{name}/calibration/stop", (string name) => Act(sessions, name, s => s.StopCalibration()));
        control.MapPost("/sessions/{name}/reset", async (string name, CancellationToken ct) =>
        {
            if (sessions.Find(name) is not { } s)
            {
                return UnknownSession(name);
            }

            await s.ResetSubjectAsync(ct).ConfigureAwait(false);
            return Results.Json(s.Status, Json);
        });
    }

    private static IResult Act(SessionManager sessions, string name, Action<ISessionControl> action)
    {
        if (sessions.Find(name) is not { } s)
        {
            return UnknownSession(name);
        }

        action(s);
        return Results.Json(s.Status, Json);
    }

    private static IResult UnknownSession(string name) =>
        Results.Json(new { error = $"no session named '{name}'" }, Json, statusCode: StatusCodes.Status404NotFound);
}
