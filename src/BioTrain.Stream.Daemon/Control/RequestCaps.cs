using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace BioTrain.Stream.Daemon.Control;

/// <summary>
/// Bounds on what a client may send the daemon's listeners. The control API and /metrics take no
/// request body, so anything beyond a few bytes is refused before it is read (a 20 MB chunked POST
/// was once drained in full); Kestrel refuses oversized request lines and headers (431) itself.
/// </summary>
public static class RequestCaps
{
    public const long MaxBodyBytes = 4 * 1024;
    public const int MaxHeaderBytes = 16 * 1024;
    public const int MaxRequestLineBytes = 4 * 1024;
    public const int MaxHeaderCount = 64;

    /// <summary>Sets the listener-wide limits.</summary>
    public static void Apply(KestrelServerLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.MaxRequestBodySize = MaxBodyBytes;
        limits.MaxRequestHeadersTotalSize = MaxHeaderBytes;
        limits.MaxRequestLineSize = MaxRequestLineBytes;
        limits.MaxRequestHeaderCount = MaxHeaderCount;
    }

    /// <summary>Answers 413 (and closes) for a declared body over the cap or a chunked body, which nothing here reads.</summary>
    public static async Task RefuseBodiesAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var request = context.Request;
        if (request.ContentLength > MaxBodyBytes || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0))
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            context.Response.Headers.Connection = "close";
            await context.Response.WriteAsJsonAsync(new { error = $"request bodies are limited to {MaxBodyBytes} bytes (the API takes none)" }, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        await next(context).ConfigureAwait(false);
    }
}
