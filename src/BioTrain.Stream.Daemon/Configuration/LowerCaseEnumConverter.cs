using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BioTrain.Stream.Daemon.Configuration;

/// <summary>
/// Configuration enums as lower-case words (or their <see cref="JsonStringEnumMemberName"/>), and
/// nothing else: no numbers, no other case. A wrong word reads as an undefined value (-1) rather
/// than stopping the parse, so the validator reports it by its path together with every other
/// problem of the file (<see cref="DaemonConfigValidator"/>).
/// </summary>
internal sealed class LowerCaseEnumConverter<T> : JsonConverter<T>
    where T : struct, Enum
{
    private static readonly (string Name, T Value)[] Names = [.. Enum.GetValues<T>().Select(v => (NameOf(v), v))];

    public static string Allowed { get; } = string.Join(", ", Names.Select(n => n.Name));

    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            var text = reader.GetString();
            foreach (var (name, value) in Names)
            {
                if (string.Equals(name, text, StringComparison.Ordinal))
                {
                    return value;
                }
            }
        }
        else
        {
            reader.Skip();
        }

        return Undefined;
    }

    /// <summary>What a wrong word reads as.</summary>
    public static T Undefined { get; } = (T)Enum.ToObject(typeof(T), -1);

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(NameOf(value));
    }

    private static string NameOf(T value)
    {
        var name = value.ToString();
        var member = typeof(T).GetField(name, BindingFlags.Public | BindingFlags.Static);
        return member?.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? name.ToLowerInvariant();
    }
}

/// <summary>Applies <see cref="LowerCaseEnumConverter{T}"/> to every enum of the configuration.</summary>
internal sealed class LowerCaseEnumConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(LowerCaseEnumConverter<>).MakeGenericType(typeToConvert))!;
}
