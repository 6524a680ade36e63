using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace BioTrain.Stream.Lsl.Internal;

/// <summary>
/// Converts between the caller's value type and the stream's channel format (held as native
/// little-endian bytes). Same type: one memory copy. Otherwise value by value, through long for
/// integers (exact for int64) and double for floats, saturating like a C cast would not.
/// </summary>
internal static class ValueConverter
{
    public static bool IsSupported<T>() =>
        typeof(T) == typeof(float) || typeof(T) == typeof(double) || typeof(T) == typeof(int) ||
        typeof(T) == typeof(short) || typeof(T) == typeof(sbyte) || typeof(T) == typeof(long);

    public static ChannelFormat FormatOf<T>() =>
        typeof(T) == typeof(float) ? ChannelFormat.Float32 :
        typeof(T) == typeof(double) ? ChannelFormat.Double64 :
        typeof(T) == typeof(int) ? ChannelFormat.Int32 :
        typeof(T) == typeof(short) ? ChannelFormat.Int16 :
        typeof(T) == typeof(sbyte) ? ChannelFormat.Int8 :
        typeof(T) == typeof(long) ? ChannelFormat.Int64 :
        ChannelFormat.Undefined;

    public static void ToFormat<T>(ReadOnlySpan<T> source, ChannelFormat format, Span<byte> destination)
        where T : unmanaged
    {
        if (FormatOf<T>() == format && BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(source).CopyTo(destination);
            return;
        }

        var size = format.ValueSize();
        for (var i = 0; i < source.Length; i++)
        {
            var d = destination.Slice(i * size, size);
            switch (format)
            {
                case ChannelFormat.Float32: BinaryPrimitives.WriteSingleLittleEndian(d, (float)AsDouble(source[i])); break;
                case ChannelFormat.Double64: BinaryPrimitives.WriteDoubleLittleEndian(d, AsDouble(source[i])); break;
                case ChannelFormat.Int32: BinaryPrimitives.WriteInt32LittleEndian(d, (int)Math.Clamp(AsLong(source[i]), int.MinValue, int.MaxValue)); break;
                case ChannelFormat.Int16: BinaryPrimitives.WriteInt16LittleEndian(d, (short)Math.Clamp(AsLong(source[i]), short.MinValue, short.MaxValue)); break;
                case ChannelFormat.Int8: d[0] = unchecked((byte)(sbyte)Math.Clamp(AsLong(source[i]), sbyte.MinValue, sbyte.MaxValue)); break;
                case ChannelFormat.Int64: BinaryPrimitives.WriteInt64LittleEndian(d, AsLong(source[i])); break;
                default: throw new InvalidOperationException($"cannot store numbers in a {format} stream");
            }
        }
    }

    public static void FromFormat<T>(ReadOnlySpan<byte> source, ChannelFormat format, Span<T> destination)
        where T : unmanaged
    {
        if (FormatOf<T>() == format && BitConverter.IsLittleEndian)
        {
            source.CopyTo(MemoryMarshal.AsBytes(destination));
            return;
        }

        var size = format.ValueSize();
        for (var i = 0; i < destination.Length; i++)
        {
            var s = source.Slice(i * size, size);
            destination[i] = format switch
            {
                ChannelFormat.Float32 => FromDouble<T>(BinaryPrimitives.ReadSingleLittleEndian(s)),
                ChannelFormat.Double64 => FromDouble<T>(BinaryPrimitives.ReadDoubleLittleEndian(s)),
                ChannelFormat.Int32 => FromLong<T>(BinaryPrimitives.ReadInt32LittleEndian(s)),
                ChannelFormat.Int16 => FromLong<T>(BinaryPrimitives.ReadInt16LittleEndian(s)),
                ChannelFormat.Int8 => FromLong<T>(unchecked((sbyte)s[0])),
                ChannelFormat.Int64 => FromLong<T>(BinaryPrimitives.ReadInt64LittleEndian(s)),
                _ => throw new InvalidOperationException($"cannot read numbers from a {format} stream"),
            };
        }
    }

    private static double AsDouble<T>(T value)
        where T : unmanaged =>
        value switch
        {
            float f => f,
            double d => d,
            int i => i,
            short s => s,
            sbyte b => b,
            long l => l,
            _ => throw new NotSupportedException($"value type {typeof(T)} is not an LSL type"),
        };

    private static long AsLong<T>(T value)
        where T : unmanaged =>
        value switch
        {
            float f => (long)Math.Round(Math.Clamp(f, long.MinValue, long.MaxValue)),
            double d => (long)Math.Round(Math.Clamp(d, long.MinValue, long.MaxValue)),
            int i => i,
            short s => s,
            sbyte b => b,
            long l => l,
            _ => throw new NotSupportedException($"value type {typeof(T)} is not an LSL type"),
        };

    private static T FromDouble<T>(double value)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            return (T)(object)(float)value;
        }

        if (typeof(T) == typeof(double))
        {
            return (T)(object)value;
        }

        return FromLong<T>((long)Math.Round(Math.Clamp(double.IsNaN(value) ? 0 : value, long.MinValue, long.MaxValue)));
    }

    private static T FromLong<T>(long value)
        where T : unmanaged
    {
        // Each branch boxes its own type: a ?: chain would widen them all to double.
        object boxed;
        if (typeof(T) == typeof(float))
        {
            boxed = (float)value;
        }
        else if (typeof(T) == typeof(double))
        {
            boxed = (double)value;
        }
        else if (typeof(T) == typeof(int))
        {
            boxed = (int)Math.Clamp(value, int.MinValue, int.MaxValue);
        }
        else if (typeof(T) == typeof(short))
        {
            boxed = (short)Math.Clamp(value, short.MinValue, short.MaxValue);
        }
        else if (typeof(T) == typeof(sbyte))
        {
            boxed = (sbyte)Math.Clamp(value, sbyte.MinValue, sbyte.MaxValue);
        }
        else if (typeof(T) == typeof(long))
        {
            boxed = value;
        }
        else
        {
            throw new NotSupportedException($"value type {typeof(T)} is not an LSL type");
        }

        return (T)boxed;
    }
}
