using System.Globalization;
using System.Text;

namespace BioTrain.Stream.Lsl.Protocol;

/// <summary>
/// UDP discovery messages. Query: <c>LSL:shortinfo\r\nPREDICATE\r\nRETURNPORT QUERYID\r\n</c>.
/// Reply: <c>QUERYID\r\nSHORTINFO-XML</c>.
/// </summary>
internal static class DiscoveryPacket
{
    public const string ShortInfoMethod = "LSL:shortinfo";
    public const string TimeDataMethod = "LSL:timedata";

    public static byte[] FormatQuery(string predicate, int returnPort, string queryId) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{ShortInfoMethod}\r\n{predicate}\r\n{returnPort} {queryId}\r\n"));

    /// <summary>A query id that depends only on the query text, as liblsl's hash does.</summary>
    public static string QueryId(string predicate)
    {
        // FNV-1a over UTF-8: stable across processes, unlike string.GetHashCode.
        ulong hash = 14695981039346656037ul;
        foreach (var b in Encoding.UTF8.GetBytes(predicate))
        {
            hash = (hash ^ b) * 1099511628211ul;
        }

        return hash.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Splits a datagram into its method line and the rest; false when there is no line end.</summary>
    public static bool TrySplitMethod(string packet, out string method, out string rest)
    {
        var lf = packet.IndexOf('\n', StringComparison.Ordinal);
        if (lf < 0)
        {
            method = packet.Trim();
            rest = string.Empty;
            return false;
        }

        method = packet[..lf].Trim();
        rest = packet[(lf + 1)..];
        return true;
    }

    /// <summary>Parses the body of a shortinfo query (after the method line).</summary>
    public static bool TryParseQuery(string body, int maxQueryLength, out string predicate, out int returnPort, out string queryId)
    {
        predicate = queryId = string.Empty;
        returnPort = 0;
        var lines = body.Split('\n');
        if (lines.Length < 2)
        {
            return false;
        }

        predicate = lines[0].Trim();
        if (predicate.Length > maxQueryLength)
        {
            return false;
        }

        var parts = lines[1].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2 || parts[1].Length > 64 ||
            !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out returnPort) || returnPort is <= 0 or > 65535)
        {
            return false;
        }

        queryId = parts[1];
        return true;
    }

    public static byte[] FormatReply(string queryId, string shortInfo) => Encoding.UTF8.GetBytes(queryId + "\r\n" + shortInfo);

    /// <summary>Splits a reply into its id and XML; false when malformed.</summary>
    public static bool TryParseReply(ReadOnlySpan<byte> packet, out string queryId, out string xml)
    {
        queryId = xml = string.Empty;
        var lf = packet.IndexOf((byte)'\n');
        if (lf < 0 || lf > 80)
        {
            return false;
        }

        queryId = Encoding.UTF8.GetString(packet[..lf]).Trim();
        xml = Encoding.UTF8.GetString(packet[(lf + 1)..]).TrimStart();
        return true;
    }
}
