using System.Globalization;

namespace BioTrain.Stream.Device.Addressing;

/// <summary>
/// The <c>?name=value&amp;...</c> part of a device address, parsed strictly: every option must be
/// known to the scheme, given once, and have a valid value; anything else is a
/// <see cref="DeviceAddressException"/> that names the option and the address.
/// </summary>
internal sealed class AddressQuery
{
    private readonly string _address;
    private readonly Dictionary<string, string> _values;

    private AddressQuery(string address, Dictionary<string, string> values)
    {
        _address = address;
        _values = values;
    }

    /// <summary>Splits <paramref name="rest"/> at its first '?' into the target and the options.</summary>
    public static (string Target, AddressQuery Query) Split(string address, string rest, IReadOnlyCollection<string> known)
    {
        var question = rest.IndexOf('?', StringComparison.Ordinal);
        var target = question < 0 ? rest : rest[..question];
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (question >= 0)
        {
            foreach (var pair in rest[(question + 1)..].Split('&'))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var name = eq < 0 ? pair : pair[..eq];
                if (eq <= 0)
                {
                    throw new DeviceAddressException($"option '{pair}' in '{address}' is not NAME=VALUE");
                }

                if (!known.Contains(name))
                {
                    throw new DeviceAddressException($"unknown option '{name}' in '{address}'; known: {string.Join(", ", known)}");
                }

                if (!values.TryAdd(name, Uri.UnescapeDataString(pair[(eq + 1)..])))
                {
                    throw new DeviceAddressException($"option '{name}' is given twice in '{address}'");
                }
            }
        }

        return (target, new AddressQuery(address, values));
    }

    public string? String(string name) => _values.TryGetValue(name, out var v) ? v : null;

    public int? Int(string name, int min, int max)
    {
        if (!_values.TryGetValue(name, out var text))
        {
            return null;
        }

        var isHex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        if (!int.TryParse(isHex ? text.AsSpan(2) : text, isHex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            || value < min || value > max)
        {
            throw Bad(name, text, string.Create(CultureInfo.InvariantCulture, $"an integer from {min} to {max}"));
        }

        return value;
    }

    public bool? Bool(string name) => String(name) switch
    {
        null => null,
        "true" => true,
        "false" => false,
        var text => throw Bad(name, text, "true or false"),
    };

    public DeviceAddressException Bad(string name, string value, string expected) =>
        new($"option {name}={value} in '{_address}' is not valid: want {expected}");
}
