using BioTrain.Stream.Experiments.Datasets;

namespace BioTrain.Stream.Experiments.Tests;

/// <summary>Parsing, resampling and windowing of the loaders on small inputs built here, and bad input.</summary>
public class LoaderTests
{
    [Fact]
    public void Uci_rows_are_resampled_to_200_hz_by_sample_and_hold()
    {
        // Rows every ~1 ms whose values change every 5 ms (the MYO's 200 Hz held on a 1-ms grid).
        var lines = new List<string> { "time\tchannel1\tchannel2\tchannel3\tchannel4\tchannel5\tchannel6\tchannel7\tchannel8\tclass" };
        for (var t = 1; t <= 50; t++)
        {
            var value = ((t - 1) / 5) * 1e-5;
            var cls = t <= 25 ? 0 : 2;
            lines.Add(FormattableString.Invariant($"{t}\t{value}\t0\t0\t0\t0\t0\t0\t{-value}\t{cls}"));
        }

        var (channels, labels) = UciEmgLoader.Read(lines, "test");
        Assert.Equal(10, labels.Count);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (float)(i * 1e-5)), channels[0]);
        Assert.Equal(channels[0].Select(v => -v), channels[7]);
        Assert.Equal([-1, -1, -1, -1, -1, 1, 1, 1, 1, 1], labels);
    }

    [Fact]
    public void Uci_bad_rows_name_the_line()
    {
        var header = "time\tchannel1\tchannel2\tchannel3\tchannel4\tchannel5\tchannel6\tchannel7\tchannel8\tclass";
        var e = Assert.Throws<DatasetFormatException>(() => UciEmgLoader.Read([header, "1\t0\t0\t0\t0\t0\t0\t0\t0\t0", "2\t0\tx\t0\t0\t0\t0\t0\t0\t0"], "f.txt"));
        Assert.Contains("f.txt:3", e.Message, StringComparison.Ordinal);
        Assert.Throws<DatasetFormatException>(() => UciEmgLoader.Read(["nonsense"], "f.txt"));
        Assert.Throws<DatasetFormatException>(() => UciEmgLoader.Read([header, "1\t0\t0"], "f.txt"));
    }

    [Fact]
    public void Windows_stay_inside_one_segment_and_runs_split_on_label_changes()
    {
        var segments = Windowing.Runs([-1, 0, 0, 0, 0, 0, 1, 1, 1, -1, 0, 0, 0]);
        Assert.Equal([new Segment(1, 6, 0, 0), new Segment(6, 9, 1, 1), new Segment(10, 13, 0, 2)], segments);
        float[][] channels = [Enumerable.Range(0, 13).Select(i => (float)i).ToArray(), new float[13]];
        var windows = Windowing.Cut(channels, segments, 3, 2);
        Assert.Equal([1f, 3f, 6f, 10f], windows.Select(w => w.Values[0]));
        Assert.Equal([0, 0, 1, 2], windows.Select(w => w.Trial));
        Assert.All(windows, w => Assert.Equal(6, w.Values.Length));
    }

    [Fact]
    public void Windows_cut_by_the_pipelines_windower_are_the_plain_slices_at_their_places()
    {
        // Against slicing by hand, on random recordings, segments, lengths and strides: the published
        // figures rest on these windows, so the pipeline's windower must give them to the last bit.
        var random = new Random(23);
        for (var run = 0; run < 200; run++)
        {
            var total = random.Next(1, 300);
            var channels = Enumerable.Range(0, random.Next(1, 5)).Select(_ => Enumerable.Range(0, total).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
            var segments = Enumerable.Range(0, random.Next(0, 6)).Select(t =>
            {
                var start = random.Next(-10, total);
                return new Segment(start, start + random.Next(0, 120), random.Next(0, 3), t);
            }).ToList();
            var (length, stride) = (random.Next(1, 60), random.Next(1, 30));

            var windows = Windowing.Cut(channels, segments, length, stride);
            var places = Windowing.Places(segments, total, length, stride).ToList();
            Assert.Equal(places.Count, windows.Count);
            for (var i = 0; i < places.Count; i++)
            {
                var (start, segment) = places[i];
                Assert.Equal((segment.Label, segment.Trial), (windows[i].Label, windows[i].Trial));
                Assert.Equal(channels.SelectMany(c => c.AsSpan(start, length).ToArray()), windows[i].Values);
            }
        }
    }

    [Fact]
    public void Normaliser_scales_by_the_first_session_only()
    {
        var first = new List<RawWindow> { new([1, -1, 1, -1, 10, 12, 10, 12], 0, 0) };
        var second = new List<RawWindow> { new([2, -2, 2, -2, 0, 0, 0, 0], 0, 1) };
        var subject = SubjectNormaliser.Subject("s", [("a", first), ("b", second)], channels: 2);
        Assert.Equal([1f, -1, 1, -1, -1, 1, -1, 1], subject.Sessions[0].Epochs[0].Values.ToArray());
        // Session 2 keeps its doubled amplitude: drift stays in the data.
        Assert.Equal([2f, -2, 2, -2, 0, 0, 0, 0], subject.Sessions[1].Epochs[0].Values.ToArray());
    }

    [Fact]
    public async Task Missing_folders_and_unknown_sets_are_typed_errors()
    {
        var nowhere = Path.Combine(Path.GetTempPath(), "biotrain-no-such-" + Guid.NewGuid().ToString("N"));
        foreach (var name in DatasetCatalog.Names.Where(n => n != "synthetic-shift"))
        {
            await Assert.ThrowsAsync<DatasetFormatException>(() => DatasetCatalog.LoadAsync(name, nowhere, CancellationToken.None));
        }

        await Assert.ThrowsAsync<DatasetFormatException>(() => DatasetCatalog.LoadAsync("no-such-set", nowhere, CancellationToken.None));
    }

    [Fact]
    public async Task The_shipped_synthetic_recordings_load_with_every_class()
    {
        var root = Path.Combine(RepoPaths.Root, "replay-data");
        var dataset = await DatasetCatalog.LoadAsync("synthetic-emg", root, CancellationToken.None);
        Assert.Equal(3, dataset.Subjects.Count);
        Assert.All(dataset.Subjects, s => Assert.Equal(7, s.Sessions[0].TrialsByClass().Count));
        Assert.All(dataset.Subjects.SelectMany(s => s.Sessions[0].Epochs), e => Assert.Equal(dataset.Channels * dataset.Samples, e.Values.Length));
    }
}
