using BioTrain.Stream.Formats.Tests.Support;
using BioTrain.Stream.Formats.Xdf;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace BioTrain.Stream.Formats.Tests.Xdf;

public class XdfDamageTests
{
    private static readonly byte[] Original = XdfFixtures.Recording();
    private static readonly XdfFile Clean = XdfReader.Parse(Original);

    [Fact]
    public void Cut_at_every_offset_loads_a_prefix_of_the_samples_and_reports_it()
    {
        // Every offset in the first 3 kB, then a stride through the rest: covers every chunk type's header and body.
        var offsets = Enumerable.Range(4, 3000).Concat(Enumerable.Range(0, Original.Length / 7).Select(i => i * 7)).Where(o => o >= 4 && o < Original.Length).Distinct();
        foreach (var cut in offsets)
        {
            var file = XdfReader.Parse(Original.AsSpan(0, cut));
            // Only a cut before any stream header can look clean: there is nothing yet to miss.
            Assert.True(file.Problems.Count > 0 || file.Streams.Count == 0, $"cut at {cut}");
            Assert.False(file.Problems.Any(p => p.Kind == XdfProblemKind.CorruptChunk), $"cut at {cut}: {string.Join("; ", file.Problems)}");
            foreach (var stream in file.Streams)
            {
                var full = Clean.FindStream(stream.StreamId)!;
                Assert.True(stream.SampleCount <= full.SampleCount);
                Assert.Equal(full.Timestamps.AsSpan(0, stream.SampleCount).ToArray(), stream.Timestamps);
                AssertPrefix(full.Data, stream.Data);
            }
        }
    }

    [Fact]
    public void Unfinished_recording_without_footers_says_footers_are_missing()
    {
        var file = XdfReader.Parse(XdfFixtures.Recording(complete: false));
        Assert.Equal(3, file.Streams.Count);
        Assert.Equal(600, file.FindStream("TestEEG")!.SampleCount);
        Assert.Equal(3, file.Problems.Count(p => p.Kind == XdfProblemKind.MissingStreamFooter));
        Assert.All(file.Streams, s => Assert.Null(s.Footer));
    }

    [Fact]
    public void Corrupt_length_field_resynchronises_at_the_next_boundary()
    {
        var damaged = (byte[])Original.Clone();
        // The first Samples chunk of the EEG stream: find its tag (03 00 01 00 00 00) and break its length prefix.
        var index = damaged.AsSpan().IndexOf((byte[])[0x03, 0x00, 0x01, 0x00, 0x00, 0x00]);
        damaged[index - 5] = 0x07;
        var file = XdfReader.Parse(damaged);
        Assert.Contains(file.Problems, p => p.Kind == XdfProblemKind.CorruptChunk && p.Message.Contains("resumed after the Boundary", StringComparison.Ordinal));
        var eeg = file.FindStream("TestEEG")!;
        // One second (up to the first boundary) is lost, the other five are read.
        Assert.Equal(500, eeg.SampleCount);
        Assert.Equal(Clean.FindStream("TestEEG")!.Timestamps[100..], eeg.Timestamps);
    }

    [Fact]
    public void Invalid_timestamp_byte_drops_only_that_chunk()
    {
        var damaged = (byte[])Original.Clone();
        var index = damaged.AsSpan().IndexOf((byte[])[0x03, 0x00, 0x02, 0x00, 0x00, 0x00]);
        damaged[index + 8] = 0x05; // tag(2) id(4) varlen(2): first timestamp byte of the Counter stream's first chunk
        var file = XdfReader.Parse(damaged);
        Assert.Contains(file.Problems, p => p.Kind == XdfProblemKind.CorruptChunk && p.StreamId == 2);
        Assert.Equal(50, file.FindStream("Counter")!.SampleCount);
        Assert.Equal(600, file.FindStream("TestEEG")!.SampleCount);
    }

    [Property(MaxTest = 300)]
    public Property Flipped_bytes_never_crash_and_lose_little(PositiveInt position, byte value, PositiveInt count)
    {
        var damaged = (byte[])Original.Clone();
        var flips = 1 + (count.Get % 4);
        for (var i = 0; i < flips; i++)
        {
            damaged[4 + ((position.Get + (i * 977)) % (damaged.Length - 4))] ^= (byte)(value | 1);
        }
        var file = XdfReader.Parse(damaged);
        // A flip can land in a header or footer XML and hide a stream, but never take more than a few seconds of EEG.
        var eeg = file.FindStream("TestEEG");
        var kept = eeg?.SampleCount ?? 0;
        return (kept <= 600 && (eeg is null || kept >= 600 - (flips * 200))).Label($"kept {kept}; {string.Join("; ", file.Problems)}");
    }

    [Fact]
    public void Garbage_after_the_magic_is_skipped_without_hanging()
    {
        var random = new Random(7);
        for (var round = 0; round < 200; round++)
        {
            var bytes = new byte[random.Next(4, 2000)];
            random.NextBytes(bytes);
            "XDF:"u8.CopyTo(bytes);
            var file = XdfReader.Parse(bytes);
            Assert.NotNull(file.Problems);
        }
    }

    [Fact]
    public void Damaged_gzip_reads_what_was_decompressed()
    {
        using var compressed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Original);
        }
        var bytes = compressed.ToArray()[..(int)(compressed.Length * 2 / 3)];
        var file = XdfReader.Read(new MemoryStream(bytes));
        Assert.NotEmpty(file.Problems);
        Assert.InRange(file.FindStream("TestEEG")!.SampleCount, 1, 599);
    }

    private static void AssertPrefix(XdfSampleData full, XdfSampleData part)
    {
        for (var s = 0; s < part.SampleCount; s += 37)
        {
            for (var c = 0; c < part.ChannelCount; c++)
            {
                Assert.Equal(full.GetString(s, c), part.GetString(s, c));
            }
        }
    }
}
