using System.Globalization;

namespace BioTrain.Stream.Device.Tests;

/// <summary>One protocol/vectors/*.vec file: <c>key: value</c> lines.</summary>
internal sealed class GoldenVector
{
    private readonly Dictionary<string, string> _fields;

    private GoldenVector(string name, Dictionary<string, string> fields)
    {
        Name = name;
        _fields = fields;
    }

    public string Name { get; }

    public string? this[string key] => _fields.GetValueOrDefault(key);

    public byte[] Frame => Convert.FromHexString(_fields["frame"]);

    public string? ExpectError => this["expect_error"];

    public ulong UInt(string key)
    {
        var text = _fields[key];
        return text.StartsWith("0x", StringComparison.Ordinal)
            ? ulong.Parse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : ulong.Parse(text, CultureInfo.InvariantCulture);
    }

    public byte[] Hex(string key) => Convert.FromHexString(_fields[key]);

    public override string ToString() => Name;

    public static IReadOnlyList<GoldenVector> LoadAll() =>
        [.. Directory.GetFiles(RepoPaths.Vectors, "*.vec").Order(StringComparer.Ordinal).Select(Load)];

    public static GoldenVector Load(string path)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(path))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            fields[line[..colon]] = line[(colon + 1)..].Trim();
        }

        return new GoldenVector(fields.GetValueOrDefault("name") ?? Path.GetFileNameWithoutExtension(path), fields);
    }
}
