namespace BioTrain.Stream.Formats.Xdf;

/// <summary>Value type of every channel of a stream. The numbers are liblsl's enum values.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The names are the XDF/LSL format names.")]
public enum XdfChannelFormat
{
    Undefined = 0,
    Float32 = 1,
    Double64 = 2,
    String = 3,
    Int32 = 4,
    Int16 = 5,
    Int8 = 6,
    Int64 = 7,
}

/// <summary>Names and sizes of <see cref="XdfChannelFormat"/> as they appear in stream headers.</summary>
public static class XdfChannelFormats
{
    /// <summary>Bytes per value on disk; 0 for strings (variable length) and undefined.</summary>
    public static int ByteSize(this XdfChannelFormat format) => format switch
    {
        XdfChannelFormat.Float32 => 4,
        XdfChannelFormat.Double64 => 8,
        XdfChannelFormat.Int32 => 4,
        XdfChannelFormat.Int16 => 2,
        XdfChannelFormat.Int8 => 1,
        XdfChannelFormat.Int64 => 8,
        _ => 0,
    };

    public static bool IsNumeric(this XdfChannelFormat format) => format.ByteSize() > 0;

    /// <summary>The header name: <c>float32</c>, <c>double64</c>, <c>string</c>, <c>int32</c>, <c>int16</c>, <c>int8</c>, <c>int64</c>.</summary>
    public static string ToXdfName(this XdfChannelFormat format) => format switch
    {
        XdfChannelFormat.Float32 => "float32",
        XdfChannelFormat.Double64 => "double64",
        XdfChannelFormat.String => "string",
        XdfChannelFormat.Int32 => "int32",
        XdfChannelFormat.Int16 => "int16",
        XdfChannelFormat.Int8 => "int8",
        XdfChannelFormat.Int64 => "int64",
        _ => "undefined",
    };

    /// <summary>Parses a header name; unknown names give <see cref="XdfChannelFormat.Undefined"/>.</summary>
    public static XdfChannelFormat Parse(string? name) => name?.Trim() switch
    {
        "float32" => XdfChannelFormat.Float32,
        "double64" => XdfChannelFormat.Double64,
        "string" => XdfChannelFormat.String,
        "int32" => XdfChannelFormat.Int32,
        "int16" => XdfChannelFormat.Int16,
        "int8" => XdfChannelFormat.Int8,
        "int64" => XdfChannelFormat.Int64,
        _ => XdfChannelFormat.Undefined,
    };

    /// <summary>The format that stores values of the CLR type <typeparamref name="T"/>.</summary>
    public static XdfChannelFormat Of<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? XdfChannelFormat.Float32
        : typeof(T) == typeof(double) ? XdfChannelFormat.Double64
        : typeof(T) == typeof(int) ? XdfChannelFormat.Int32
        : typeof(T) == typeof(short) ? XdfChannelFormat.Int16
        : typeof(T) == typeof(sbyte) ? XdfChannelFormat.Int8
        : typeof(T) == typeof(long) ? XdfChannelFormat.Int64
        : XdfChannelFormat.Undefined;
}
