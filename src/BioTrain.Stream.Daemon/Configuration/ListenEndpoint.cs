using System.Globalization;
using System.Net;

namespace BioTrain.Stream.Daemon.Configuration;

/// <summary>Where a daemon endpoint listens: a Unix socket, or a TCP port on a loopback address only.</summary>
public sealed record ListenEndpoint(string? UnixPath, IPAddress? Address, int Port)
{
    public bool IsUnix => UnixPath is not null;

    /// <summary>Whether two settings name one listener; port 0 asks for a free port of its own, so it is never shared.</summary>
    public bool IsSameListener(ListenEndpoint? other) => other is not null && this == other && (IsUnix || Port != 0);

    public static ListenEndpoint Parse(string text) =>
        TryParse(text, out var endpoint, out var problem) ? endpoint! : throw new DaemonConfigException(problem);

    public static bool TryParse(string text, out ListenEndpoint? endpoint, out string problem)
    {
        endpoint = null;
        problem = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "empty; give unix:PATH or 127.0.0.1:PORT";
            return false;
        }

        if (text.StartsWith("unix:", StringComparison.Ordinal))
        {
            var path = text[5..];
            if (!Path.IsPathRooted(path))
            {
                problem = $"'{text}': the socket path must be absolute";
                return false;
            }

            endpoint = new ListenEndpoint(path, null, 0);
            return true;
        }

        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !IPAddress.TryParse(text[..colon].Trim('[', ']'), out var address)
            || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            problem = $"'{text}' is not unix:PATH or ADDRESS:PORT";
            return false;
        }

        if (!IPAddress.IsLoopback(address))
        {
            // Metrics and control have no authentication: they stay on this machine.
            problem = $"'{text}': only loopback addresses are allowed (use a reverse proxy or Prometheus federation to expose it)";
            return false;
        }

        endpoint = new ListenEndpoint(null, address, port);
        return true;
    }

    public override string ToString() => IsUnix ? $"unix:{UnixPath}" : $"{Address}:{Port}";
}
