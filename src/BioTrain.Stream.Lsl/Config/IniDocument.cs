using System.Globalization;

namespace BioTrain.Stream.Lsl.Config;

/// <summary>
/// The INI dialect of lsl_api.cfg: <c>[section]</c> lines, <c>key = value</c> pairs, lines starting with ';'
/// are comments. Keys are looked up as <c>section.key</c>, case-sensitively, like liblsl.
/// </summary>
internal sealed class IniDocument
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static IniDocument Parse(string text, string origin)
    {
        var doc = new IniDocument();
        var section = string.Empty;
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0 || line[0] == ';' || string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (line[0] == '[')
            {
                var close = line.IndexOf(']', StringComparison.Ordinal);
                if (close < 0)
                {
                    throw new LslConfigException($"{origin}:{lineNumber}: no closing bracket ] in section header");
                }

                section = line[1..close] + ".";
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                throw new LslConfigException($"{origin}:{lineNumber}: no key = value pair");
            }

            var key = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim();
            if (key.Length == 0)
            {
                throw new LslConfigException($"{origin}:{lineNumber}: empty key");
            }

            if (value.Length == 0)
            {
                throw new LslConfigException($"{origin}:{lineNumber}: empty value for {key}");
            }

            if (!doc._values.TryAdd(section + key, value))
            {
                throw new LslConfigException($"{origin}:{lineNumber}: duplicate key {section}{key}");
            }
        }

        return doc;
    }

    public IEnumerable<string> Keys => _values.Keys;

    public string GetString(string key, string fallback) => _values.TryGetValue(key, out var v) ? v : fallback;

    public int GetInt(string key, int fallback)
    {
        if (!_values.TryGetValue(key, out var v))
        {
            return fallback;
        }

        return int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var result)
            ? result
            : throw new LslConfigException($"{key} = {v}: not an integer");
    }

    public double GetDouble(string key, double fallback)
    {
        if (!_values.TryGetValue(key, out var v))
        {
            return fallback;
        }

        return double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var result) && double.IsFinite(result)
            ? result
            : throw new LslConfigException($"{key} = {v}: not a number");
    }

    public bool GetBool(string key, bool fallback)
    {
        if (!_values.TryGetValue(key, out var v))
        {
            return fallback;
        }

        return v.ToUpperInvariant() switch
        {
            "1" or "TRUE" or "YES" or "ON" => true,
            "0" or "FALSE" or "NO" or "OFF" => false,
            _ => throw new LslConfigException($"{key} = {v}: not a boolean"),
        };
    }

    /// <summary>A set written <c>{a, b, c}</c>; anything else is an empty set, as in liblsl.</summary>
    public IReadOnlyList<string> GetSet(string key, IReadOnlyList<string> fallback)
    {
        if (!_values.TryGetValue(key, out var v))
        {
            return fallback;
        }

        return ParseSet(v);
    }

    public static IReadOnlyList<string> ParseSet(string text)
    {
        if (text.Length <= 2 || text[0] != '{' || text[^1] != '}')
        {
            return [];
        }

        return text[1..^1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
    }
}
