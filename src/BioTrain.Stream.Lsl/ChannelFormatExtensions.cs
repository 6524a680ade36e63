namespace BioTrain.Stream.Lsl;

/// <summary>Names and sizes of <see cref="ChannelFormat"/> values as they appear in stream info XML.</summary>
public static class ChannelFormatExtensions
{
    /// <summary>The name used in <c>channel_format</c>, e.g. <c>float32</c>.</summary>
    public static string ToLslName(this ChannelFormat format) => format switch
    {
        ChannelFormat.Float32 => "float32",
        ChannelFormat.Double64 => "double64",
        ChannelFormat.String => "string",
        ChannelFormat.Int32 => "int32",
        ChannelFormat.Int16 => "int16",
        ChannelFormat.Int8 => "int8",
        ChannelFormat.Int64 => "int64",
        _ => "undefined",
    };

    /// <summary>Parses a <c>channel_format</c> name; false for anything liblsl would reject.</summary>
    public static bool TryParseLslName(string? name, out ChannelFormat format)
    {
        format = name switch
        {
            "float32" => ChannelFormat.Float32,
            "double64" => ChannelFormat.Double64,
            "string" => ChannelFormat.String,
            "int32" => ChannelFormat.Int32,
            "int16" => ChannelFormat.Int16,
            "int8" => ChannelFormat.Int8,
            "int64" => ChannelFormat.Int64,
            _ => ChannelFormat.Undefined,
        };
        return format != ChannelFormat.Undefined;
    }

    /// <summary>Bytes per value on the wire; 0 for strings (variable) and undefined.</summary>
    public static int ValueSize(this ChannelFormat format) => format switch
    {
        ChannelFormat.Float32 => 4,
        ChannelFormat.Double64 => 8,
        ChannelFormat.Int32 => 4,
        ChannelFormat.Int16 => 2,
        ChannelFormat.Int8 => 1,
        ChannelFormat.Int64 => 8,
        _ => 0,
    };

    public static bool IsFloatingPoint(this ChannelFormat format) =>
        format is ChannelFormat.Float32 or ChannelFormat.Double64;

    public static bool IsNumeric(this ChannelFormat format) =>
        format is not (ChannelFormat.String or ChannelFormat.Undefined);
}
