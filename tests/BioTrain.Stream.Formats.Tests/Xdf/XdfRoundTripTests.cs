using System.Text;
using BioTrain.Stream.Formats.Tests.Support;
using BioTrain.Stream.Formats.Xdf;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace BioTrain.Stream.Formats.Tests.Xdf;

public class XdfRoundTripTests
{
    private static readonly XdfChannelFormat[] Formats =
    [
        XdfChannelFormat.Float32, XdfChannelFormat.Double64, XdfChannelFormat.String, XdfChannelFormat.Int8,
        XdfChannelFormat.Int16, XdfChannelFormat.Int32, XdfChannelFormat.Int64,
    ];

    [Property(MaxTest = 150)]
    public Property Write_then_read_gives_back_every_sample_for_every_format(NonNegativeInt formatIndex, PositiveInt channels,
        NonNegativeInt samples, NonNegativeInt chunk, bool regular, int seed)
    {
        var format = Formats[formatIndex.Get % Formats.Length];
        var channelCount = 1 + (channels.Get % 5);
        var sampleCount = samples.Get % 400;
        var rate = regular ? 250.0 : 0.0;
        var random = new Random(seed);
        var timestamps = new double[sampleCount];
        for (var i = 0; i < sampleCount; i++)
        {
            // Mostly exact steps (deduced on disk), sometimes jitter (written explicitly).
            timestamps[i] = i == 0 ? 1000 + random.NextDouble() : timestamps[i - 1] + (random.Next(4) == 0 ? random.NextDouble() / 100 : 1 / 250.0);
        }
        var values = RandomValues(format, sampleCount * channelCount, random);
        var options = new XdfWriterOptions { MaxSamplesPerChunk = 1 + (chunk.Get % 64) };

        var bytes = WriteOne(format, channelCount, rate, timestamps, values, options);
        var file = XdfReader.Parse(bytes);

        var stream = Assert.Single(file.Streams);
        var same = file.Problems.Count == 0
            && stream.Info.ChannelFormat == format
            && stream.Info.ChannelCount == channelCount
            && stream.Timestamps.SequenceEqual(timestamps)
            && ValuesEqual(stream.Data, values)
            && stream.Footer?.SampleCount == sampleCount;
        return same.Label($"{format} x{channelCount}, {sampleCount} samples, problems: {string.Join("; ", file.Problems)}");
    }

    [Property(MaxTest = 100)]
    public bool Variable_length_integers_round_trip(ulong value)
    {
        Span<byte> buffer = stackalloc byte[9];
        var written = XdfLayout.WriteVarLen(buffer, value);
        var position = 0;
        return XdfLayout.TryReadVarLen(buffer[..written], ref position, out var read) && read == value && position == written
            && written == XdfLayout.VarLenSize(value);
    }

    [Fact]
    public void Regular_stream_stores_deduced_timestamps_as_one_byte()
    {
        var timestamps = Enumerable.Range(0, 1000).Select(i => 5 + (i / 500.0)).ToArray();
        var values = new float[1000];
        var deduced = WriteOne(XdfChannelFormat.Float32, 1, 500, timestamps, values, new XdfWriterOptions { MaxSamplesPerChunk = 10000 });
        var explicitStamps = WriteOne(XdfChannelFormat.Float32, 1, 500, timestamps, values, new XdfWriterOptions { DeduceTimestamps = false });
        // Deduction only works where ts == previous + 1/srate exactly; i/500 steps are not all exact, so count.
        Assert.True(deduced.Length < explicitStamps.Length);
        Assert.Equal(timestamps, XdfReader.Parse(deduced).Streams[0].Timestamps);
    }

    [Fact]
    public void Footer_and_clock_offsets_are_written_and_read_back()
    {
        var file = XdfReader.Parse(XdfFixtures.Recording());
        Assert.Empty(file.Problems);
        Assert.Equal("1.0", file.Version);
        var eeg = file.FindStream("TestEEG")!;
        Assert.Equal(600, eeg.SampleCount);
        Assert.Equal(["C3", "Cz", "C4", "Pz"], eeg.Info.Channels.Select(c => c.Label));
        Assert.All(eeg.Info.Channels, c => Assert.Equal("microvolts", c.Unit));
        Assert.Equal(6, eeg.ClockOffsets.Count);
        Assert.Equal(eeg.ClockOffsets, eeg.Footer!.ClockOffsets);
        Assert.Equal(100, eeg.Footer.FirstTimestamp);
        Assert.Equal(eeg.Timestamps[^1], eeg.Footer.LastTimestamp);
        Assert.Equal(600, eeg.Footer.SampleCount);
        Assert.False(eeg.TimestampsAreClockCorrected);
        Assert.Equal(XdfFixtures.EegValue(123, 2), eeg.Data.GetSample<float>(123)[2]);
        var markers = file.FindStream("Markers")!;
        Assert.Equal(["marker 0", "marker 1", "marker 2", "marker 3", "marker 4", "marker 5"], markers.Data.GetStrings());
        Assert.True(markers.Info.IsIrregular);
    }

    [Fact]
    public void Gzip_compressed_file_reads_like_the_plain_one()
    {
        var plain = XdfFixtures.Recording();
        using var compressed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(plain);
        }
        compressed.Position = 0;
        var file = XdfReader.Read(compressed);
        Assert.Empty(file.Problems);
        Assert.Equal(600, file.FindStream("TestEEG")!.SampleCount);
    }

    [Fact]
    public async Task Xdfz_file_on_disk_reads_asynchronously()
    {
        var path = Path.Combine(Path.GetTempPath(), $"biotrain-{Guid.NewGuid():N}.xdfz");
        try
        {
            await using (var file = File.Create(path))
            await using (var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest))
            {
                await gzip.WriteAsync(XdfFixtures.Recording());
            }
            var read = await XdfReader.ReadAsync(path);
            Assert.Equal(3, read.Streams.Count);
            Assert.Empty(read.Problems);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Not_an_xdf_file_is_a_typed_error()
    {
        var error = Assert.Throws<XdfFormatException>(() => XdfReader.Parse(Encoding.ASCII.GetBytes("PK\u0003\u0004 zip file")));
        Assert.Equal(0, error.Offset);
    }

    [Fact]
    public void Raw_lsl_header_xml_is_written_unchanged()
    {
        const string xml = "<?xml version=\"1.0\"?>\n<info>\n\t<name>Amp</name>\n\t<type>EEG</type>\n\t<channel_count>2</channel_count>\n\t<channel_format>double64</channel_format>\n\t<source_id>amp1</source_id>\n\t<nominal_srate>10.00000000000000</nominal_srate>\n\t<desc><channels><channel><label>A</label></channel><channel><label>B</label></channel></channels></desc>\n</info>";
        var info = XdfStreamInfo.Parse(xml);
        using var memory = new MemoryStream();
        using (var writer = new XdfWriter(memory, leaveOpen: true))
        {
            writer.AddStream(7, info);
            writer.WriteSamples(7, [1.0, 1.1], [1.0, 2.0, 3.0, 4.0]);
        }
        var stream = XdfReader.Parse(memory.ToArray()).Streams[0];
        Assert.Equal(xml, stream.Info.Xml);
        Assert.Equal(7u, stream.StreamId);
        Assert.Equal(["A", "B"], stream.Info.Channels.Select(c => c.Label));
        Assert.Equal([1.0, 2.0, 3.0, 4.0], stream.Data.GetValues<double>());
    }

    [Fact]
    public void Writer_refuses_wrong_value_counts_and_writes_after_completion()
    {
        using var memory = new MemoryStream();
        var writer = new XdfWriter(memory, leaveOpen: true);
        writer.AddStream(1, new XdfStreamInfo { Name = "x", ChannelCount = 2, ChannelFormat = XdfChannelFormat.Int32, NominalSrate = 1 });
        Assert.Throws<ArgumentException>(() => writer.WriteSamples(1, [1.0], new int[3]));
        Assert.Throws<ArgumentException>(() => writer.WriteSamples(1, [1.0], new float[2]));
        Assert.Throws<InvalidOperationException>(() => writer.WriteSamples(2, [1.0], new int[2]));
        writer.Complete();
        writer.Complete();
        Assert.Throws<InvalidOperationException>(() => writer.WriteSamples(1, [1.0], new int[2]));
        writer.Dispose();
        var file = XdfReader.Parse(memory.ToArray());
        Assert.Empty(file.Problems);
        Assert.Equal(0, file.Streams[0].SampleCount);
    }

    internal static byte[] WriteOne(XdfChannelFormat format, int channels, double rate, double[] timestamps, Array values, XdfWriterOptions options)
    {
        using var memory = new MemoryStream();
        using (var writer = new XdfWriter(memory, options, leaveOpen: true))
        {
            writer.AddStream(42, new XdfStreamInfo { Name = "s", Type = "Test", ChannelCount = channels, ChannelFormat = format, NominalSrate = rate });
            switch (values)
            {
                case float[] v: writer.WriteSamples(42, timestamps, v); break;
                case double[] v: writer.WriteSamples(42, timestamps, v); break;
                case sbyte[] v: writer.WriteSamples(42, timestamps, v); break;
                case short[] v: writer.WriteSamples(42, timestamps, v); break;
                case int[] v: writer.WriteSamples(42, timestamps, v); break;
                case long[] v: writer.WriteSamples(42, timestamps, v); break;
                case string[] v: writer.WriteSamples(42, timestamps, v); break;
                default: throw new ArgumentException("unsupported values");
            }
        }
        return memory.ToArray();
    }

    internal static Array RandomValues(XdfChannelFormat format, int count, Random random) => format switch
    {
        XdfChannelFormat.Float32 => Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() - 0.5) * 1e4)).ToArray(),
        XdfChannelFormat.Double64 => Enumerable.Range(0, count).Select(_ => BitConverter.Int64BitsToDouble(random.NextInt64())).ToArray(),
        XdfChannelFormat.Int8 => Enumerable.Range(0, count).Select(_ => (sbyte)random.Next(-128, 128)).ToArray(),
        XdfChannelFormat.Int16 => Enumerable.Range(0, count).Select(_ => (short)random.Next(short.MinValue, short.MaxValue + 1)).ToArray(),
        XdfChannelFormat.Int32 => Enumerable.Range(0, count).Select(_ => random.Next(int.MinValue, int.MaxValue)).ToArray(),
        XdfChannelFormat.Int64 => Enumerable.Range(0, count).Select(_ => random.NextInt64(long.MinValue, long.MaxValue)).ToArray(),
        _ => Enumerable.Range(0, count).Select(_ => RandomText(random)).ToArray(),
    };

    private static string RandomText(Random random)
    {
        var length = random.Next(4) == 0 ? random.Next(256, 600) : random.Next(0, 12);
        const string alphabet = "abcXYZ019 <>&\"'äöüé€漢字\t\n";
        return new string(Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
    }

    private static bool ValuesEqual(XdfSampleData data, Array expected) => expected switch
    {
        float[] v => data.GetValues<float>().SequenceEqual(v),
        // Compare bits so NaN payloads count as equal.
        double[] v => data.GetValues<double>().Select(BitConverter.DoubleToInt64Bits).SequenceEqual(v.Select(BitConverter.DoubleToInt64Bits)),
        sbyte[] v => data.GetValues<sbyte>().SequenceEqual(v),
        short[] v => data.GetValues<short>().SequenceEqual(v),
        int[] v => data.GetValues<int>().SequenceEqual(v),
        long[] v => data.GetValues<long>().SequenceEqual(v),
        string[] v => data.GetStrings().SequenceEqual(v),
        _ => false,
    };
}
