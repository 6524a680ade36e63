namespace BioTrain.Stream.Lsl.Protocol;

/// <summary>liblsl's header-line rule: cut at ';', lowercase, split at the first ':', trim both parts.</summary>
internal static class HeaderLine
{
    public static bool TrySplit(string line, out string key, out string value)
    {
        var semicolon = line.IndexOf(';', StringComparison.Ordinal);
        if (semicolon >= 0)
        {
            line = line[..semicolon];
        }

        var colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            key = value = string.Empty;
            return false;
        }

        key = line[..colon].Trim().ToLowerInvariant();
        value = line[(colon + 1)..].Trim().ToLowerInvariant();
        return true;
    }
}
