using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using BioTrain.Stream.Experiments.Datasets.Mat;

namespace BioTrain.Stream.Experiments.Tests;

/// <summary>The MAT v5 reader on files built here (as MATLAB writes them), on the real Bulling file, and on damage.</summary>
public class MatReaderTests
{
    /// <summary>A double matrix stored the way MATLAB stores integral doubles: as miUINT8 or miINT16 values.</summary>
    internal static byte[] Matrix(string name, int rows, int columns, double[] values, int storage = 9, bool compress = true)
    {
        var body = new MemoryStream();
        Element(body, 6, [.. BitConverter.GetBytes(6u), .. new byte[4]]);          // array flags: mxDOUBLE_CLASS
        Element(body, 5, [.. BitConverter.GetBytes(rows), .. BitConverter.GetBytes(columns)]);
        Element(body, 1, Encoding.ASCII.GetBytes(name));
        var data = storage switch
        {
            2 => values.Select(v => (byte)v).ToArray(),
            3 => values.SelectMany(v => BitConverter.GetBytes((short)v)).ToArray(),
            _ => values.SelectMany(BitConverter.GetBytes).ToArray(),
        };
        Element(body, storage, data);
        var matrix = new MemoryStream();
        Element(matrix, 14, body.ToArray());
        var file = new MemoryStream();
        var header = Encoding.ASCII.GetBytes("MATLAB 5.0 MAT-file, test".PadRight(116));
        file.Write(header);
        file.Write(new byte[8]);
        file.Write([0x00, 0x01, (byte)'I', (byte)'M']);
        if (!compress)
        {
            file.Write(matrix.ToArray());
            return file.ToArray();
        }

        var packed = new MemoryStream();
        using (var z = new ZLibStream(packed, CompressionLevel.Optimal, leaveOpen: true))
        {
            z.Write(matrix.ToArray());
        }

        file.Write(BitConverter.GetBytes(15u));
        file.Write(BitConverter.GetBytes((uint)packed.Length));
        file.Write(packed.ToArray());
        return file.ToArray();
    }

    private static void Element(System.IO.Stream output, int type, byte[] data)
    {
        if (data.Length <= 4 && type != 14)
        {
            output.Write(BitConverter.GetBytes((uint)((data.Length << 16) | type)));
            output.Write([.. data, .. new byte[4 - data.Length]]);
            return;
        }

        output.Write(BitConverter.GetBytes((uint)type));
        output.Write(BitConverter.GetBytes((uint)data.Length));
        output.Write(data);
        output.Write(new byte[(8 - (data.Length % 8)) % 8]);
    }

    [Theory]
    [InlineData(9, true)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    public void Reads_a_double_matrix_in_any_storage_type(int storage, bool compress)
    {
        double[] values = [1, 2, 3, 4, 5, 6];
        var arrays = MatReader.Parse(Matrix("data", 3, 2, values, storage, compress));
        var data = Assert.Single(arrays);
        Assert.Equal("data", data.Name);
        Assert.Equal([3, 2], data.Dimensions);
        Assert.Equal([4.0, 5, 6], data.Column(1).ToArray());
    }

    [Fact]
    public void Damaged_files_give_typed_errors()
    {
        var good = Matrix("data", 3, 2, [1, 2, 3, 4, 5, 6]);
        Assert.Throws<MatFormatException>(() => MatReader.Parse(good.AsSpan(0, 100)));
        var bigEndian = good.ToArray();
        (bigEndian[126], bigEndian[127]) = ((byte)'M', (byte)'I');
        Assert.Contains("big-endian", Assert.Throws<MatFormatException>(() => MatReader.Parse(bigEndian)).Message, StringComparison.Ordinal);
        var hugeClaim = good.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(hugeClaim.AsSpan(132), 0x7FFFFFF0);
        Assert.Contains("claims", Assert.Throws<MatFormatException>(() => MatReader.Parse(hugeClaim)).Message, StringComparison.Ordinal);
        var badZlib = good.ToArray();
        badZlib.AsSpan(136, 8).Fill(0xAB);
        Assert.Throws<MatFormatException>(() => MatReader.Parse(badZlib));
    }

    [Fact]
    public void Random_damage_never_escapes_as_another_exception()
    {
        var good = Matrix("data", 4, 5, Enumerable.Range(0, 20).Select(i => (double)i).ToArray(), compress: false);
        var random = new Random(5);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = good.ToArray();
            for (var k = 0; k < 1 + random.Next(4); k++)
            {
                bytes[128 + random.Next(bytes.Length - 128)] = (byte)random.Next(256);
            }

            var length = random.Next(4) == 0 ? random.Next(bytes.Length) : bytes.Length;
            try
            {
                MatReader.Parse(bytes.AsSpan(0, length));
            }
            catch (MatFormatException)
            {
            }
        }
    }

    [SharedDataFact]
    public async Task Reads_the_bulling_eog_recording()
    {
        var file = SharedRecordings.File("eog-bulling-office/participant1_0.mat");

        var data = Assert.Single(await MatReader.ReadAsync(file, CancellationToken.None));
        Assert.Equal("data", data.Name);
        Assert.Equal(5, data.Columns);
        Assert.InRange(data.Rows, 50_000, 300_000);
        Assert.All(data.Column(4).ToArray(), label => Assert.InRange(label, 1, 8));
    }
}
