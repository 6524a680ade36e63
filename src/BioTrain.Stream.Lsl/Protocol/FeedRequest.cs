using System.Globalization;
using System.Text;
using BioTrain.Stream.Lsl.Info;

namespace BioTrain.Stream.Lsl.Protocol;

/// <summary>An <c>LSL:streamfeed</c> request: what an inlet sends and what an outlet parses.</summary>
internal sealed record FeedRequest
{
    /// <summary>Requested protocol version × 100; 100 for the old request without a version.</summary>
    public int Version { get; init; } = LslConstants.ProtocolVersion;
    public string? Uid { get; init; }
    public int ByteOrder { get; init; } = Protocol.ByteOrder.Native;
    public double EndianPerformance { get; init; }
    public bool HasIeee754Floats { get; init; } = true;
    public bool SupportsSubnormals { get; init; } = true;

    /// <summary>Null when the header does not say; the outlet then assumes its own.</summary>
    public int? ValueSize { get; init; }
    public int MaxBufferLength { get; init; }
    public int MaxChunkLength { get; init; }
    public string Hostname { get; init; } = string.Empty;
    public string SourceId { get; init; } = string.Empty;
    public string SessionId { get; init; } = string.Empty;

    /// <summary>The request text of protocol 1.10 (or the two lines of 1.00), as a liblsl inlet writes it.</summary>
    public string Format()
    {
        if (Version < 110)
        {
            return string.Create(CultureInfo.InvariantCulture, $"LSL:streamfeed\r\n{MaxBufferLength} {MaxChunkLength}\r\n");
        }

        var sb = new StringBuilder(320);
        sb.Append(CultureInfo.InvariantCulture, $"LSL:streamfeed/{Version}");
        if (!string.IsNullOrEmpty(Uid))
        {
            sb.Append(' ').Append(Uid);
        }

        sb.Append("\r\n");
        sb.Append(CultureInfo.InvariantCulture, $"Native-Byte-Order: {ByteOrder}\r\n");
        sb.Append("Endian-Performance: ").Append(LslNumberFormat.G6(Math.Floor(EndianPerformance))).Append("\r\n");
        sb.Append("Has-IEEE754-Floats: ").Append(HasIeee754Floats ? '1' : '0').Append("\r\n");
        sb.Append("Supports-Subnormals: ").Append(SupportsSubnormals ? '1' : '0').Append("\r\n");
        sb.Append(CultureInfo.InvariantCulture, $"Value-Size: {ValueSize ?? 0}\r\n");
        sb.Append(CultureInfo.InvariantCulture, $"Data-Protocol-Version: {Version}\r\n");
        sb.Append(CultureInfo.InvariantCulture, $"Max-Buffer-Length: {MaxBufferLength}\r\n");
        sb.Append(CultureInfo.InvariantCulture, $"Max-Chunk-Length: {MaxChunkLength}\r\n");
        sb.Append("Hostname: ").Append(Hostname).Append("\r\n");
        sb.Append("Source-Id: ").Append(SourceId).Append("\r\n");
        sb.Append("Session-Id: ").Append(SessionId).Append("\r\n");
        sb.Append("\r\n");
        return sb.ToString();
    }

    /// <summary>Parses the request line <c>LSL:streamfeed/VER [UID]</c>.</summary>
    public static (int Version, string? Uid) ParseRequestLine(string line)
    {
        var parts = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is 0 or > 2 || !parts[0].StartsWith("LSL:streamfeed/", StringComparison.Ordinal))
        {
            throw Malformed($"bad request line '{Clip(line)}'");
        }

        var versionText = parts[0]["LSL:streamfeed/".Length..];
        if (!int.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version < 100 || version > 100_000)
        {
            throw Malformed($"bad protocol version '{Clip(versionText)}'");
        }

        return (version, parts.Length == 2 ? parts[1] : null);
    }

    /// <summary>Applies the header lines of a 1.10 request with liblsl's rules; absurd values are rejected.</summary>
    public static FeedRequest ParseHeaders(int version, string? uid, IEnumerable<string> lines)
    {
        var request = new FeedRequest { Version = version, Uid = uid };
        foreach (var line in lines)
        {
            if (!HeaderLine.TrySplit(line, out var key, out var value))
            {
                continue;
            }

            request = key switch
            {
                "native-byte-order" => request with { ByteOrder = Int(key, value, 0, int.MaxValue) },
                "endian-performance" => request with { EndianPerformance = Double(key, value) },
                "has-ieee754-floats" => request with { HasIeee754Floats = value == "1" },
                "supports-subnormals" => request with { SupportsSubnormals = value == "1" },
                "value-size" => request with { ValueSize = Int(key, value, 0, 1024) },
                "max-buffer-length" => request with { MaxBufferLength = Int(key, value, 0, int.MaxValue) },
                "max-chunk-length" => request with { MaxChunkLength = Int(key, value, 0, int.MaxValue) },
                "protocol-version" => request with { Version = Int(key, value, 100, 100_000) },
                "hostname" => request with { Hostname = value },
                "source-id" => request with { SourceId = value },
                "session-id" => request with { SessionId = value },
                _ => request,
            };
        }

        return request;
    }

    /// <summary>Parses the second line of a 1.00 request: <c>max_buflen max_chunklen</c>.</summary>
    public static FeedRequest ParseVersion100(string line)
    {
        var parts = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2)
        {
            throw Malformed($"bad 1.00 parameters '{Clip(line)}'");
        }

        return new FeedRequest
        {
            Version = 100,
            MaxBufferLength = Int("max_buflen", parts[0], 0, int.MaxValue),
            MaxChunkLength = Int("max_chunklen", parts[1], 0, int.MaxValue),
        };
    }

    private static int Int(string key, string value, int min, int max) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
            ? (int)v
            : throw Malformed($"{key}: '{Clip(value)}' is not an integer in {min}..{max}");

    private static double Double(string key, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw Malformed($"{key}: '{Clip(value)}' is not a number");

    private static LslProtocolException Malformed(string why) => new(LslProtocolError.MalformedRequest, why);

    internal static string Clip(string text) => text.Length <= 60 ? text : text[..60] + "...";
}
