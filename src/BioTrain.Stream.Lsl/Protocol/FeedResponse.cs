using System.Globalization;

namespace BioTrain.Stream.Lsl.Protocol;

/// <summary>The reply header to a 1.10 feed request: <c>LSL/110 200 OK</c> and its fields.</summary>
internal sealed record FeedResponse
{
    public int ServerVersion { get; init; } = LslConstants.ProtocolVersion;
    public int StatusCode { get; init; } = 200;
    public string StatusText { get; init; } = "OK";
    public string Uid { get; init; } = string.Empty;
    public int ByteOrder { get; init; } = Protocol.ByteOrder.LittleEndian;
    public bool SuppressSubnormals { get; init; }
    public int DataProtocolVersion { get; init; } = LslConstants.ProtocolVersion;

    public string Format() => string.Create(
        CultureInfo.InvariantCulture,
        $"LSL/{ServerVersion} 200 OK\r\nUID: {Uid}\r\nByte-Order: {ByteOrder}\r\nSuppress-Subnormals: {(SuppressSubnormals ? 1 : 0)}\r\nData-Protocol-Version: {DataProtocolVersion}\r\n\r\n");

    /// <summary>An error status line; liblsl sends it without a line end and closes.</summary>
    public static string FormatError(int serverVersion, int code, string text) =>
        string.Create(CultureInfo.InvariantCulture, $"LSL/{serverVersion} {code} {text}");

    /// <summary>Parses the status line; throws for anything liblsl's inlet would not accept.</summary>
    public static FeedResponse ParseStatus(string line, int ownVersion)
    {
        var parts = line.Trim().Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3 || !parts[0].StartsWith("LSL/", StringComparison.Ordinal))
        {
            throw new LslProtocolException(LslProtocolError.MalformedResponse, $"bad status line '{FeedRequest.Clip(line)}'");
        }

        if (!int.TryParse(parts[0].AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var version) ||
            !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            throw new LslProtocolException(LslProtocolError.MalformedResponse, $"bad status line '{FeedRequest.Clip(line)}'");
        }

        if (version / 100 > ownVersion / 100)
        {
            throw new LslProtocolException(LslProtocolError.UnsupportedVersion, $"server speaks protocol {version}");
        }

        if (code == 404)
        {
            throw new LslProtocolException(LslProtocolError.StreamNotFound, "the outlet no longer serves this stream (404)");
        }

        if (code >= 300)
        {
            throw new LslProtocolException(code >= 400 ? LslProtocolError.MalformedResponse : LslProtocolError.StreamNotFound, $"server replied {code} {parts[2]}");
        }

        return new FeedResponse { ServerVersion = version, StatusCode = code, StatusText = parts[2] };
    }

    public FeedResponse WithHeader(string line, int ownVersion)
    {
        if (!HeaderLine.TrySplit(line, out var key, out var value))
        {
            return this;
        }

        switch (key)
        {
            case "byte-order":
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var order))
                {
                    throw new LslProtocolException(LslProtocolError.InvalidByteOrder, $"byte order '{FeedRequest.Clip(value)}'");
                }

                // 0 means "native" in liblsl up to 1.13.
                return this with { ByteOrder = order == 0 ? Protocol.ByteOrder.Native : order };
            case "uid":
                return this with { Uid = value };
            case "suppress-subnormals":
                return this with { SuppressSubnormals = value == "1" };
            case "data-protocol-version":
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var dataVersion) || dataVersion < 100 || dataVersion > ownVersion)
                {
                    throw new LslProtocolException(LslProtocolError.UnsupportedVersion, $"data protocol version '{FeedRequest.Clip(value)}'");
                }

                return this with { DataProtocolVersion = dataVersion };
            default:
                return this;
        }
    }
}
