using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace BioTrain.Stream.Experiments.Datasets.Mat;

/// <summary>
/// A small reader for MATLAB Level 5 MAT-files (little-endian), enough for numeric matrices: the 128-byte
/// header, data elements with 8-byte tags or the 4-byte small-element form, <c>miCOMPRESSED</c> elements (zlib),
/// and <c>miMATRIX</c> elements of numeric classes (double, single, integers), whatever smaller type MATLAB stored
/// their values in. Cells, structs, chars, sparse and complex arrays are skipped. Every size is checked against
/// the bytes that remain and decompression is capped, so a damaged or hostile file gives a
/// <see cref="MatFormatException"/>, never a crash or a runaway allocation.
/// </summary>
public static class MatReader
{
    public const int HeaderSize = 128;

    /// <summary>Largest decompressed element accepted.</summary>
    public const int MaxDecompressedBytes = 256 << 20;

    private const int MiInt8 = 1, MiUInt8 = 2, MiInt16 = 3, MiUInt16 = 4, MiInt32 = 5, MiUInt32 = 6, MiSingle = 7, MiDouble = 9,
        MiInt64 = 12, MiUInt64 = 13, MiMatrix = 14, MiCompressed = 15;

    public static async Task<IReadOnlyList<MatArray>> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        try
        {
            return Parse(bytes);
        }
        catch (MatFormatException e)
        {
            throw new MatFormatException($"{path}: {e.Message}", e);
        }
    }

    public static IReadOnlyList<MatArray> Parse(ReadOnlySpan<byte> file)
    {
        if (file.Length < HeaderSize)
        {
            throw new MatFormatException($"{file.Length} bytes: shorter than the {HeaderSize}-byte MAT header");
        }

        if (file[126] == 'M' && file[127] == 'I')
        {
            throw new MatFormatException("big-endian MAT-files are not supported");
        }

        if (file[126] != 'I' || file[127] != 'M' || BinaryPrimitives.ReadUInt16LittleEndian(file[124..]) != 0x0100)
        {
            throw new MatFormatException("not a Level 5 MAT-file (version 0x0100 and endian indicator 'IM' expected at offset 124)");
        }

        var arrays = new List<MatArray>();
        Elements(file[HeaderSize..], arrays, depth: 0);
        return arrays;
    }

    private static void Elements(ReadOnlySpan<byte> data, List<MatArray> arrays, int depth)
    {
        var position = 0;
        while (position < data.Length)
        {
            if (data.Length - position < 8)
            {
                // MATLAB may pad the end; anything else this short is damage.
                if (data[position..].IndexOfAnyExcept((byte)0) < 0)
                {
                    return;
                }

                throw new MatFormatException($"{data.Length - position} stray bytes at the end of the element list");
            }

            var (type, size, body, next) = Tag(data, position);
            switch (type)
            {
                case MiCompressed when depth == 0:
                    Elements(Inflate(data.Slice(body, size)), arrays, depth + 1);
                    next = body + size; // compressed elements are not padded
                    break;
                case MiMatrix:
                    if (Matrix(data.Slice(body, size)) is { } array)
                    {
                        arrays.Add(array);
                    }

                    break;
            }

            position = next;
        }
    }

    /// <summary>Reads the tag at <paramref name="position"/>: type, byte count, where the data starts, where the next element starts.</summary>
    private static (int Type, int Size, int Body, int Next) Tag(ReadOnlySpan<byte> data, int position)
    {
        if (data.Length - position < 8)
        {
            throw new MatFormatException($"element tag at {position} is cut off");
        }

        var first = BinaryPrimitives.ReadUInt32LittleEndian(data[position..]);
        if ((first >> 16) != 0)
        {
            // Small data element: size in the upper half, up to 4 bytes of data in the tag itself.
            var smallSize = (int)(first >> 16);
            if (smallSize > 4)
            {
                throw new MatFormatException($"small element at {position} claims {smallSize} bytes (at most 4)");
            }

            return ((int)(first & 0xFFFF), smallSize, position + 4, position + 8);
        }

        var size = BinaryPrimitives.ReadUInt32LittleEndian(data[(position + 4)..]);
        var body = position + 8;
        if (size > (uint)(data.Length - body))
        {
            throw new MatFormatException($"element at {position} (type {first}) claims {size} bytes; {data.Length - body} remain");
        }

        var padded = (long)body + ((size + 7) & ~7u);
        return ((int)first, (int)size, body, (int)Math.Min(padded, data.Length));
    }

    private static byte[] Inflate(ReadOnlySpan<byte> compressed)
    {
        using var input = new MemoryStream(compressed.ToArray());
        using var zlib = new ZLibStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var buffer = new byte[81920];
        try
        {
            int n;
            while ((n = zlib.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (output.Length + n > MaxDecompressedBytes)
                {
                    throw new MatFormatException($"compressed element inflates past {MaxDecompressedBytes >> 20} MiB");
                }

                output.Write(buffer, 0, n);
            }
        }
        catch (InvalidDataException e)
        {
            throw new MatFormatException($"compressed element is not valid zlib data: {e.Message}", e);
        }

        return output.ToArray();
    }

    private static MatArray? Matrix(ReadOnlySpan<byte> data)
    {
        var (flagType, flagSize, flagBody, next) = Tag(data, 0);
        if (flagType != MiUInt32 || flagSize != 8)
        {
            throw new MatFormatException("matrix without its array-flags subelement");
        }

        var flags = BinaryPrimitives.ReadUInt32LittleEndian(data[flagBody..]);
        var matlabClass = (int)(flags & 0xFF);
        var complex = (flags & 0x800) != 0;
        if (matlabClass is < 6 or > 15 || complex)
        {
            return null; // cell, struct, object, char, sparse or complex: not needed here
        }

        var (dimType, dimSize, dimBody, afterDims) = Tag(data, next);
        if (dimType != MiInt32 || dimSize < 8 || dimSize % 4 != 0)
        {
            throw new MatFormatException("matrix without a valid dimensions subelement");
        }

        var dims = new int[dimSize / 4];
        long count = 1;
        for (var i = 0; i < dims.Length; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32LittleEndian(data[(dimBody + (4 * i))..]);
            if (dims[i] < 0)
            {
                throw new MatFormatException($"negative dimension {dims[i]}");
            }

            count *= dims[i];
            if (count > MaxDecompressedBytes)
            {
                throw new MatFormatException($"matrix of {string.Join("x", dims.Take(i + 1))} elements is too large");
            }
        }

        var (nameType, nameSize, nameBody, afterName) = Tag(data, afterDims);
        if (nameType != MiInt8)
        {
            throw new MatFormatException("matrix without a name subelement");
        }

        var name = Encoding.ASCII.GetString(data.Slice(nameBody, nameSize));
        var (valueType, valueSize, valueBody, _) = Tag(data, afterName);
        var width = Width(valueType);
        if (valueSize != count * width)
        {
            throw new MatFormatException($"matrix '{name}' of {count} elements holds {valueSize} bytes of type {valueType} ({width} bytes each)");
        }

        var values = new double[count];
        var raw = data.Slice(valueBody, valueSize);
        for (var i = 0; i < values.Length; i++)
        {
            var v = raw[(i * width)..];
            values[i] = valueType switch
            {
                MiInt8 => (sbyte)v[0],
                MiUInt8 => v[0],
                MiInt16 => BinaryPrimitives.ReadInt16LittleEndian(v),
                MiUInt16 => BinaryPrimitives.ReadUInt16LittleEndian(v),
                MiInt32 => BinaryPrimitives.ReadInt32LittleEndian(v),
                MiUInt32 => BinaryPrimitives.ReadUInt32LittleEndian(v),
                MiSingle => BinaryPrimitives.ReadSingleLittleEndian(v),
                MiDouble => BinaryPrimitives.ReadDoubleLittleEndian(v),
                MiInt64 => BinaryPrimitives.ReadInt64LittleEndian(v),
                _ => BinaryPrimitives.ReadUInt64LittleEndian(v),
            };
        }

        return new MatArray(name, dims, values);
    }

    private static int Width(int type) => type switch
    {
        MiInt8 or MiUInt8 => 1,
        MiInt16 or MiUInt16 => 2,
        MiInt32 or MiUInt32 or MiSingle => 4,
        MiDouble or MiInt64 or MiUInt64 => 8,
        _ => throw new MatFormatException($"matrix values of data type {type} are not numeric"),
    };
}
