using System.Reflection;
using BioTrain.Stream.Daemon.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace BioTrain.Stream.Daemon.Live;

/// <summary>
/// The live status page on the status listener only: <c>/</c> (HTML), its script and style,
/// <c>/events</c> (Server-Sent Events, <see cref="StatusFeed.Interval"/> apart) and <c>/live</c>
/// (one snapshot as JSON). Everything the page needs is served from here: no other site is asked.
/// </summary>
public static class StatusPage
{
    // Only this origin's own script, style and event stream; nothing inline, no frames.
    private const string Policy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static void Map(IEndpointRouteBuilder app, StatusFeed feed, StatusLimits limits, Func<HttpContext, bool> isStatusEndpoint, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(app);
        var page = app.MapGroup(string.Empty).AddEndpointFilter(async (ctx, next) =>
        {
            var request = ctx.HttpContext.Request;
            if (!isStatusEndpoint(ctx.HttpContext))
            {
                return Results.NotFound();
            }

            if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
            {
                return Results.Json(new { error = "the status page takes no request body" }, statusCode: StatusCodes.Status413PayloadTooLarge);
            }

            return await next(ctx).ConfigureAwait(false);
        });

        page.MapGet("/", () => Asset("index.html", "text/html; charset=utf-8"));
        page.MapGet("/status.js", () => Asset("status.js", "text/javascript; charset=utf-8"));
        page.MapGet("/status.css", () => Asset("status.css", "text/css; charset=utf-8"));
        page.MapGet("/live", () => Results.Bytes(feed.Current().Json, "application/json"));
        // Two parameters: a delegate, not a RequestDelegate, so the filter above applies.
        page.MapGet("/events", (HttpContext context, CancellationToken _) => StreamAsync(context, feed, limits, stopping));
    }

    /// <summary>
    /// Middleware for every request on the status listener, whatever its route: over TCP, a Host that
    /// is not localhost or a loopback literal gets 421 (see <see cref="LoopbackHost"/>). A Unix socket
    /// is reached by a local reverse proxy only, which no web page can rebind.
    /// </summary>
    public static Func<HttpContext, RequestDelegate, Task> RefuseForeignHosts(Func<HttpContext, bool> isStatusEndpoint) => async (context, next) =>
    {
        if (isStatusEndpoint(context) && context.Connection.LocalIpAddress is not null && !LoopbackHost.IsAllowed(context.Request.Host))
        {
            context.Response.StatusCode = StatusCodes.Status421MisdirectedRequest;
            await context.Response.WriteAsJsonAsync(
                new { error = $"the status page answers to localhost or a loopback address only, not to '{context.Request.Host}' (a reverse proxy must send Host: localhost)" },
                context.RequestAborted).ConfigureAwait(false);
            return;
        }

        await next(context).ConfigureAwait(false);
    };

    /// <summary>The page's files, embedded in this assembly (read once per request: a few KB).</summary>
    private static PageResult Asset(string name, string contentType)
    {
        using var stream = typeof(StatusPage).Assembly.GetManifestResourceStream($"BioTrain.Stream.Daemon.Live.Page.{name}")
            ?? throw new InvalidOperationException($"the status page's {name} is not embedded in {Assembly.GetExecutingAssembly().GetName().Name}");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return new PageResult(bytes, contentType);
    }

    private static async Task StreamAsync(HttpContext context, StatusFeed feed, StatusLimits limits, CancellationToken stopping)
    {
        var response = context.Response;
        if (!limits.TryOpenStream())
        {
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            response.Headers.RetryAfter = "10";
            await response.WriteAsJsonAsync(new { error = $"too many status event streams open ({limits.MaxStreams}); try again later" }, stopping).ConfigureAwait(false);
            return;
        }

        // The stream ends with the client, or with the daemon (a host stopping waits for open requests).
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        try
        {
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-store";
            response.Headers["X-Accel-Buffering"] = "no"; // a reverse proxy must not hold events back
            await WriteAsync(context, "retry: 3000\n\n"u8.ToArray(), limits, ended.Token).ConfigureAwait(false);
            using var timer = new PeriodicTimer(StatusFeed.Interval);
            var sent = -1L;
            do
            {
                var frame = feed.Current();
                if (frame.Version != sent && !await WriteAsync(context, frame.Event, limits, ended.Token).ConfigureAwait(false))
                {
                    return;
                }

                sent = frame.Version;
            }
            while (await timer.WaitForNextTickAsync(ended.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (ended.IsCancellationRequested)
        {
        }
        finally
        {
            limits.CloseStream();
        }
    }

    /// <summary>
    /// Writes one event; a reader that has not taken it within the write timeout is dropped, so a
    /// stalled client holds at most Kestrel's response buffer, never a growing queue.
    /// </summary>
    private static async Task<bool> WriteAsync(HttpContext context, byte[] bytes, StatusLimits limits, CancellationToken ended)
    {
        using var timeout = new CancellationTokenSource(limits.WriteTimeout);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(ended, timeout.Token);
        try
        {
            await context.Response.Body.WriteAsync(bytes, either.Token).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(either.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            // Our timeout, whether or not the request counts as aborted by now: Kestrel aborts the
            // connection when a write is cancelled, which cancels `ended` too (asking `ended` here
            // lost that race about one time in three, and the stall went uncounted).
            limits.ReaderStalled();
            context.Abort();
            return false;
        }
    }

    /// <summary>A page file with the headers that keep it to this origin.</summary>
    private sealed class PageResult(byte[] bytes, string contentType) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var headers = httpContext.Response.Headers;
            headers.ContentSecurityPolicy = Policy;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.CacheControl = "no-cache";
            httpContext.Response.ContentType = contentType;
            httpContext.Response.ContentLength = bytes.Length;
            return httpContext.Response.Body.WriteAsync(bytes, httpContext.RequestAborted).AsTask();
        }
    }
}
