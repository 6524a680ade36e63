using BioTrain.Stream.Experiments.Datasets;
using BioTrain.Stream.Experiments.Datasets.Mat;

namespace BioTrain.Stream.Experiments.Tests;

/// <summary>The UniBo-INAIL loader on the real files and on damaged or incomplete ones.</summary>
public class UniboInailLoaderTests
{
    private static MatArray Column(string name, params double[] values) => new(name, [values.Length, 1], values);

    private static MatArray Emg(int rows) => new("emg", [rows, 4], [.. Enumerable.Range(0, rows * 4).Select(i => (double)(i % 7))]);

    [Fact]
    public void Repetitions_are_label_runs_after_the_first_movement()
    {
        // rest (counter 0), gesture 2 x2 (counter 1), rest x2 (counter 1), gesture 2 (counter 2), rest (counter 2)
        var day = UniboInailDay.From(
            [Emg(7), Column("relabel", 1, 2, 2, 1, 1, 2, 1), Column("gestureCounter", 0, 1, 1, 1, 1, 2, 2), Column("label", 1, 2, 2, 1, 1, 2, 1)], "t.mat");

        var reps = day.RepetitionsInOrder();

        Assert.Equal([(1, 3, 1), (3, 5, 0), (5, 6, 1), (6, 7, 0)], reps.Select(r => (r.Start, r.End, r.Label)));
        Assert.Equal([0, 1, 2, 3], reps.Select(r => r.Trial));
    }

    [Fact]
    public void A_missing_variable_is_a_typed_error_naming_it()
    {
        var e = Assert.Throws<DatasetFormatException>(() => UniboInailDay.From([Emg(3), Column("relabel", 1, 1, 1)], "u.mat"));
        Assert.Contains("gestureCounter", e.Message, StringComparison.Ordinal);
        Assert.Contains("u.mat", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(7.0, "relabel")]
    [InlineData(1.5, "relabel")]
    [InlineData(double.NaN, "relabel")]
    public void A_label_outside_the_classes_is_a_typed_error(double label, string variable)
    {
        var e = Assert.Throws<DatasetFormatException>(() =>
            UniboInailDay.From([Emg(2), Column("relabel", 1, label), Column("gestureCounter", 0, 1)], "u.mat"));
        Assert.Contains(variable, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Columns_of_different_lengths_and_a_wrong_channel_count_are_typed_errors()
    {
        Assert.Throws<DatasetFormatException>(() => UniboInailDay.From([Emg(3), Column("relabel", 1, 1), Column("gestureCounter", 0, 0, 0)], "u.mat"));
        var threeChannels = new MatArray("emg", [2, 3], new double[6]);
        Assert.Throws<DatasetFormatException>(() => UniboInailDay.From([threeChannels, Column("relabel", 1, 1), Column("gestureCounter", 0, 0)], "u.mat"));
    }

    [Fact]
    public async Task A_truncated_file_is_a_typed_error()
    {
        var bytes = MatReaderTests.Matrix("emg", 50, 4, [.. Enumerable.Range(0, 200).Select(i => (double)i)]);
        var path = Path.Combine(Path.GetTempPath(), $"unibo-truncated-{Guid.NewGuid():N}.mat");
        await File.WriteAllBytesAsync(path, bytes.AsMemory(0, bytes.Length - 9));
        try
        {
            var e = await Assert.ThrowsAsync<DatasetFormatException>(() => UniboInailLoader.ReadDayAsync(path, CancellationToken.None));
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_folder_without_the_data_set_is_a_typed_error()
    {
        var e = await Assert.ThrowsAsync<DatasetFormatException>(() => DatasetCatalog.LoadAsync("unibo-inail", Path.GetTempPath(), CancellationToken.None));
        Assert.Contains("unibo-inail", e.Message, StringComparison.Ordinal);
    }

    [SharedDataFact]
    public async Task Reads_a_real_day_as_ten_repetitions_per_gesture()
    {
        var file = SharedRecordings.File($"{UniboInailLoader.Folder}/data/{UniboInailLoader.FileName(1, 1)}");

        var day = await UniboInailLoader.ReadDayAsync(file, CancellationToken.None);
        var reps = day.RepetitionsInOrder();
        var windows = UniboInailLoader.Cut(day, firstTrial: 100);

        Assert.Equal(158_536, day.Length);
        Assert.All(day.Channels.SelectMany(c => c), v => Assert.True(v >= 0, "an envelope is never negative"));
        // README: user 1 day 1 has 10 repetitions of every gesture, each followed by a rest.
        Assert.Equal([50, 10, 10, 10, 10, 10], Enumerable.Range(0, 6).Select(c => reps.Count(r => r.Label == c)));
        Assert.All(reps.Where(r => r.Label > 0), r => Assert.InRange(r.Length / UniboInailLoader.InputRate, 1.0, 8.0));
        Assert.All(windows, w => Assert.Equal(4 * UniboInailLoader.Window, w.Values.Length));
        var cut = windows.Select(w => w.Trial).ToHashSet();
        Assert.All(reps.Where(r => r.Label > 0), r => Assert.Contains(r.Trial + 100, cut));
        Assert.All(windows, w => Assert.Equal(reps[w.Trial - 100].Label, w.Label));
    }
}

/// <summary>A UniBo-INAIL day converted to XDF for replay: the signal unchanged, a marker per repetition.</summary>
public class UniboInailXdfTests
{
    [Fact]
    public void The_day_is_read_from_the_file_name()
    {
        Assert.Equal(3, UniboInailXdf.DayNumber("user_7_day_3_posture_1"));
        Assert.Equal(1, UniboInailXdf.DayNumber("recording"));
        Assert.Equal("user_7_posture_1", UniboInailXdf.WithoutDay("user_7_day_3_posture_1"));
        Assert.Equal("recording", UniboInailXdf.WithoutDay("recording"));
    }

    [SharedDataFact]
    public async Task A_converted_day_holds_the_envelope_and_one_marker_per_repetition()
    {
        var file = SharedRecordings.File($"{UniboInailLoader.Folder}/data/{UniboInailLoader.FileName(2, 3)}");
        var xdf = Path.Combine(Path.GetTempPath(), $"unibo-{Guid.NewGuid():N}.xdf");
        try
        {
            await UniboInailXdf.ConvertAsync(file, xdf, CancellationToken.None);
            var day = await UniboInailLoader.ReadDayAsync(file, CancellationToken.None);
            var read = await BioTrain.Stream.Formats.Xdf.XdfReader.ReadAsync(xdf, null, CancellationToken.None);

            var signal = read.Streams.Single(s => s.Info.Type == "EMG");
            var markers = read.Streams.Single(s => s.Info.Type == "Markers");
            Assert.Equal(500, signal.Info.NominalSrate);
            Assert.Equal("unibo-inail-user_2_posture_1", signal.Info.SourceId); // every day of the user: one source
            Assert.Equal(day.Length, signal.SampleCount);
            var values = signal.Data.GetValues<float>();
            Assert.Equal(day.Channels[2][12345], values[(12345 * 4) + 2]);
            var reps = day.RepetitionsInOrder();
            Assert.Equal(reps.Select(r => UniboInailLoader.Classes[r.Label]), markers.Data.GetStrings());
            Assert.Equal((3 * 86400.0) + (reps[5].Start / 500.0), markers.Timestamps[5], 6);
        }
        finally
        {
            File.Delete(xdf);
        }
    }
}
