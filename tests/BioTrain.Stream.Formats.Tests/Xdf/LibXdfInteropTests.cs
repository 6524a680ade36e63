using BioTrain.Stream.Formats.Tests.Support;
using BioTrain.Stream.Formats.Xdf;

namespace BioTrain.Stream.Formats.Tests.Xdf;

/// <summary>Debian's libxdf (0.99.8) loads what our writer produces: numeric streams of every format and 1-channel strings.</summary>
public sealed class LibXdfInteropTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("biotrain-xdf-interop-").FullName;

    [Fact]
    public void Libxdf_reads_every_numeric_format_and_string_markers_as_we_wrote_them()
    {
        var path = Path.Combine(_directory, "all-formats.xdf");
        var expected = WriteAllFormats(path, clockOffset: null);

        var report = LibXdfCheck.Load(path);
        var ours = XdfReader.Read(path);

        Assert.Equal(0, report.LoadResult);
        Assert.Equal(ours.Streams.Count, report.Streams.Count);
        for (var i = 0; i < ours.Streams.Count; i++)
        {
            var stream = ours.Streams[i];
            var (format, channels, rate, samples, name) = report.Streams[i];
            Assert.Equal(stream.Info.Name, name);
            Assert.Equal(stream.Info.ChannelFormat.ToXdfName(), format);
            Assert.Equal(stream.Info.ChannelCount, channels);
            Assert.Equal(stream.Info.NominalSrate, rate);
            Assert.Equal(expected[stream.Info.Name], stream.SampleCount);
            if (stream.Info.ChannelFormat == XdfChannelFormat.String)
            {
                var events = report.Events[i];
                Assert.Equal(stream.Data.GetStrings(), events.Select(e => e.Text));
                Assert.Equal(stream.Timestamps, events.Select(e => e.Timestamp));
                continue;
            }
            Assert.Equal(stream.SampleCount, samples);
            var theirs = report.Samples[i];
            for (var s = 0; s < stream.SampleCount; s++)
            {
                Assert.Equal(stream.Timestamps[s], theirs[s].Timestamp);
                for (var c = 0; c < channels; c++)
                {
                    // libxdf converts every format to float.
                    Assert.Equal((float)stream.Data.GetDouble(s, c), theirs[s].Values[c]);
                }
            }
        }
    }

    [Fact]
    public void Libxdf_applies_our_clock_offsets_like_we_do()
    {
        var path = Path.Combine(_directory, "offsets.xdf");
        WriteAllFormats(path, clockOffset: 0.5);
        var report = LibXdfCheck.Load(path);
        var synced = XdfReader.Read(path, new XdfReadOptions { ApplyClockOffsets = true });
        var eeg = synced.FindStream("EEG")!;
        Assert.True(eeg.TimestampsAreClockCorrected);
        var index = synced.Streams.ToList().IndexOf(eeg);
        Assert.Equal(eeg.Timestamps, report.Samples[index].Select(s => s.Timestamp), new ToleranceComparer(1e-9));
    }

    /// <summary>Writes one stream per numeric format plus 1-channel string markers, in interleaved chunks with boundaries.</summary>
    private static Dictionary<string, int> WriteAllFormats(string path, double? clockOffset)
    {
        var counts = new Dictionary<string, int>();
        var random = new Random(11);
        using var writer = XdfWriter.Create(path, new XdfWriterOptions { Datetime = DateTimeOffset.UnixEpoch });
        (string Name, XdfChannelFormat Format, int Channels, double Rate)[] layout =
        [
            ("EEG", XdfChannelFormat.Float32, 8, 500), ("Precise", XdfChannelFormat.Double64, 2, 0), ("Bytes", XdfChannelFormat.Int8, 3, 50),
            ("Shorts", XdfChannelFormat.Int16, 2, 100), ("Ints", XdfChannelFormat.Int32, 1, 10), ("Longs", XdfChannelFormat.Int64, 2, 20),
            ("Markers", XdfChannelFormat.String, 1, 0),
        ];
        for (var i = 0; i < layout.Length; i++)
        {
            writer.AddStream((uint)i + 1, new XdfStreamInfo
            {
                Name = layout[i].Name, Type = layout[i].Name == "Markers" ? "Markers" : "Test", ChannelCount = layout[i].Channels,
                ChannelFormat = layout[i].Format, NominalSrate = layout[i].Rate,
            });
            counts[layout[i].Name] = 0;
        }
        for (var second = 0; second < 3; second++)
        {
            for (var i = 0; i < layout.Length; i++)
            {
                var (name, format, channels, rate) = layout[i];
                var n = rate > 0 ? (int)rate : 5;
                var start = counts[name];
                var timestamps = Enumerable.Range(start, n).Select(k => rate > 0 ? 200 + (k / rate) : 200 + second + (random.NextDouble() * 0.9)).Order().ToArray();
                var values = format == XdfChannelFormat.String
                    ? Enumerable.Range(start, n).Select(k => $"cue_{k}").ToArray()
                    : XdfRoundTripTests.RandomValues(format, n * channels, random);
                if (format == XdfChannelFormat.Int64)
                {
                    // Keep int64 within float's exact range so the comparison is exact.
                    values = ((long[])values).Select(v => v % (1L << 24)).ToArray();
                }
                WriteAny(writer, (uint)i + 1, timestamps, values);
                counts[name] += n;
            }
            if (clockOffset is { } offset)
            {
                writer.WriteClockOffset(1, 200 + second, offset);
            }
            writer.WriteBoundary();
        }
        return counts;
    }

    private static void WriteAny(XdfWriter writer, uint id, double[] timestamps, Array values)
    {
        switch (values)
        {
            case float[] v: writer.WriteSamples(id, timestamps, v); break;
            case double[] v: writer.WriteSamples(id, timestamps, v); break;
            case sbyte[] v: writer.WriteSamples(id, timestamps, v); break;
            case short[] v: writer.WriteSamples(id, timestamps, v); break;
            case int[] v: writer.WriteSamples(id, timestamps, v); break;
            case long[] v: writer.WriteSamples(id, timestamps, v); break;
            case string[] v: writer.WriteSamples(id, timestamps, v); break;
            default: throw new ArgumentException("unsupported values");
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
