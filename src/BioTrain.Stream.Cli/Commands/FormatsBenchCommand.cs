using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using BioTrain.Stream.Formats.Edf;
using BioTrain.Stream.Formats.Xdf;

namespace BioTrain.Stream.Cli.Commands;

/// <summary>
/// <c>biotrain bench formats [--quick]</c>: XDF write and read, EDF and BDF read speed (MB/s and
/// samples/s, median of several runs), against a plain read of the same file as the I/O baseline.
/// </summary>
internal static class FormatsBenchCommand
{
    private const int Channels = 64;
    private const double Rate = 500;
    private static readonly bool[] EdfKinds = [false, true];

    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "Smaller files and fewer runs (seconds instead of a minute)" };
        var shared = new Option<DirectoryInfo?>("--shared")
        {
            Description = "Also read every XDF/EDF/BDF under this folder (e.g. ../shared/replay-data)",
        };
        var command = new Command("formats", "Measure XDF write/read and EDF/BDF read speed.") { quick, shared };
        command.SetAction(async (parse, ct) =>
        {
            var isQuick = parse.GetValue(quick);
            var seconds = isQuick ? 30 : 120;
            var runs = isQuick ? 9 : 25;
            var directory = Directory.CreateTempSubdirectory("biotrain-bench-formats-");
            try
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Channels} channels x {Rate} Hz x {seconds} s float32 ({Channels * Rate * seconds / 1e6:0.##} M values), median of {runs} runs, {Environment.ProcessorCount} cores"));
                Console.WriteLine($"{"case",-34} {"MB",8} {"ms",9} {"MB/s",9} {"Msamples/s",11}");
                var xdf = Path.Combine(directory.FullName, "bench.xdf");
                var values = Signal(seconds);
                var samples = (long)values.Length;
                Report("xdf write (1-s chunks, file)", Measure(runs, () => WriteXdf(xdf, values, seconds)), new FileInfo(xdf).Length, samples);
                Report("plain read of the xdf (I/O baseline)", Measure(runs, () => File.ReadAllBytes(xdf).Length), new FileInfo(xdf).Length, samples);
                Report("xdf read", Measure(runs, () => XdfReader.Read(xdf).Streams[0].SampleCount), new FileInfo(xdf).Length, samples);
                Report("xdf read, clock offsets applied", Measure(runs, () => XdfReader.Read(xdf, new XdfReadOptions { ApplyClockOffsets = true }).Streams.Count),
                    new FileInfo(xdf).Length, samples);
                foreach (var bdf in EdfKinds)
                {
                    var path = Path.Combine(directory.FullName, bdf ? "bench.bdf" : "bench.edf");
                    await File.WriteAllBytesAsync(path, SyntheticEdf(seconds, bdf), ct).ConfigureAwait(false);
                    Report(bdf ? "bdf read (24-bit)" : "edf read (16-bit)", Measure(runs, () => EdfReader.Read(path).Signals.Count), new FileInfo(path).Length, samples);
                }
                if (parse.GetValue(shared) is { Exists: true } folder)
                {
                    BenchShared(folder, runs);
                }
                return 0;
            }
            finally
            {
                directory.Delete(recursive: true);
            }
        });
        return command;
    }

    private static void BenchShared(DirectoryInfo folder, int runs)
    {
        var xdfFiles = folder.EnumerateFiles("*.xdf", SearchOption.AllDirectories).ToArray();
        var edfFiles = folder.EnumerateFiles("*", SearchOption.AllDirectories)
            .Where(f => f.Extension.ToUpperInvariant() is ".EDF" or ".BDF" && !f.FullName.Contains("NihonKohden", StringComparison.Ordinal)).ToArray();
        long xdfSamples = 0, edfSamples = 0;
        foreach (var f in xdfFiles)
        {
            xdfSamples += XdfReader.Read(f.FullName).Streams.Sum(s => (long)s.SampleCount * s.Info.ChannelCount);
        }
        foreach (var f in edfFiles)
        {
            edfSamples += EdfReader.Read(f.FullName).Signals.Sum(s => (long)s.Samples.Length);
        }
        Report($"shared: {xdfFiles.Length} real xdf files", Measure(runs, () => xdfFiles.Sum(f => XdfReader.Read(f.FullName).Streams.Count)),
            xdfFiles.Sum(f => f.Length), xdfSamples);
        Report($"shared: {edfFiles.Length} real edf/bdf files", Measure(runs, () => edfFiles.Sum(f => EdfReader.Read(f.FullName).Signals.Count)),
            edfFiles.Sum(f => f.Length), edfSamples);
    }

    private static void Report(string name, TimeSpan median, long bytes, long samples)
    {
        var seconds = median.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-34} {bytes / 1e6,8:0.00} {median.TotalMilliseconds,9:0.0} {bytes / 1e6 / seconds,9:0} {samples / 1e6 / seconds,11:0.0}"));
    }

    /// <summary>Median wall time of <paramref name="runs"/> runs after one warm-up.</summary>
    private static TimeSpan Measure(int runs, Func<long> action)
    {
        action();
        var times = new List<TimeSpan>();
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            action();
            times.Add(watch.Elapsed);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    private static float[] Signal(int seconds)
    {
        var values = new float[(int)(seconds * Rate) * Channels];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)(50 * Math.Sin(i * 0.001) + (i % 17));
        }
        return values;
    }

    /// <summary>Writes like a recorder: one chunk per second, clock offsets every 5 s, boundaries every 10 s.</summary>
    private static long WriteXdf(string path, float[] values, int seconds)
    {
        using var writer = XdfWriter.Create(path);
        writer.AddStream(1, new XdfStreamInfo { Name = "Bench", Type = "EEG", ChannelCount = Channels, ChannelFormat = XdfChannelFormat.Float32, NominalSrate = Rate });
        var perChunk = (int)Rate;
        var timestamps = new double[perChunk];
        var last = 1000.0 - (1 / Rate);
        for (var second = 0; second < seconds; second++)
        {
            for (var i = 0; i < perChunk; i++)
            {
                last += 1 / Rate;
                timestamps[i] = last;
            }
            writer.WriteSamples(1, timestamps, values.AsSpan(second * perChunk * Channels, perChunk * Channels));
            if (second % 5 == 0)
            {
                writer.WriteClockOffset(1, timestamps[0], 0.001);
            }
            if (second % 10 == 0)
            {
                writer.WriteBoundary();
            }
        }
        writer.Complete();
        return writer.BytesWritten;
    }

    /// <summary>A plain EDF (16-bit) or BDF (24-bit) file of the same shape: 1-s records, 64 signals.</summary>
    private static byte[] SyntheticEdf(int seconds, bool bdf)
    {
        var perRecord = (int)Rate;
        var sampleBytes = bdf ? 3 : 2;
        var header = new StringBuilder();
        static string Pad(string s, int width) => s.PadRight(width)[..width];
        header.Append(bdf ? "\u00FFBIOSEMI" : Pad("0", 8)).Append(Pad("X X X X", 80)).Append(Pad("Startdate 01-JAN-2025 X X bench", 80));
        header.Append("01.01.2512.00.00").Append(Pad((256 * (Channels + 1)).ToString(CultureInfo.InvariantCulture), 8));
        header.Append(Pad(bdf ? "24BIT" : "", 44)).Append(Pad(seconds.ToString(CultureInfo.InvariantCulture), 8)).Append(Pad("1", 8));
        header.Append(Pad(Channels.ToString(CultureInfo.InvariantCulture), 4));
        void Each(string value, int width)
        {
            for (var c = 0; c < Channels; c++)
            {
                header.Append(Pad(value, width));
            }
        }
        for (var c = 0; c < Channels; c++)
        {
            header.Append(Pad($"EEG {c}", 16));
        }
        Each("", 80);
        Each("uV", 8);
        Each("-3276.8", 8);
        Each("3276.7", 8);
        Each(bdf ? "-8388608" : "-32768", 8);
        Each(bdf ? "8388607" : "32767", 8);
        Each("", 80);
        Each(perRecord.ToString(CultureInfo.InvariantCulture), 8);
        Each("", 32);
        var head = Encoding.Latin1.GetBytes(header.ToString());
        var bytes = new byte[head.Length + ((long)seconds * Channels * perRecord * sampleBytes)];
        head.CopyTo(bytes, 0);
        for (var i = head.Length; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i * 7);
        }
        return bytes;
    }
}
