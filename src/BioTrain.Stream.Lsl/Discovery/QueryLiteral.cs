namespace BioTrain.Stream.Lsl.Discovery;

/// <summary>
/// Writes a value as an XPath 1.0 string literal for a discovery query. A peer chooses its own name,
/// source_id and hostname: pasted between quotes, <c>x' or '1'='1</c> would match every stream.
/// </summary>
public static class QueryLiteral
{
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!value.Contains('\'', StringComparison.Ordinal))
        {
            return $"'{value}'";
        }

        if (!value.Contains('"', StringComparison.Ordinal))
        {
            return $"\"{value}\"";
        }

        // Both quote kinds: XPath 1.0 has no escape, so the parts are joined with concat().
        var pieces = value.Split('\'').Select(p => $"'{p}'");
        return $"concat({string.Join(", \"'\", ", pieces)})";
    }
}
