using System.Diagnostics;
using BioTrain.Stream.Formats.Xdf;
using BioTrain.Stream.Lsl;
using BioTrain.Stream.Lsl.Config;
using static BioTrain.Stream.Recording.Tests.TestFiles;

namespace BioTrain.Stream.Recording.Tests;

/// <summary>
/// Replays real files into real inlets on loopback and compares what arrives with the file: metadata,
/// sample counts, values, timestamps (exact without restamp, one common shift with it), markers.
/// </summary>
public sealed class ReplayTests
{
    public static TheoryData<string> ShippedFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Shipped(""), "*.xdf", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(Shipped(""), file));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ShippedFiles))]
    public async Task Shipped_file_arrives_with_metadata_values_and_original_timestamps(string relative)
    {
        var recording = await RecordingLoader.LoadAsync(Shipped(relative));
        var (report, collected) = await ReplayIntoInletsAsync(recording, new ReplayOptions { MaxSpeed = true });

        Assert.True(report.Completed);
        Assert.False(report.Restamped);
        AssertSameAsFile(recording, collected, expectedShift: 0.0);
    }

    [SharedDataFact]
    public async Task Real_xdf_from_labrecorder_arrives_with_metadata_values_and_original_timestamps()
    {
        var recording = await RecordingLoader.LoadAsync(SharedRecordings.File("bci-essentials-xdf/July5_AG_sub-P001/sub-P001_ses-S001_task-MISwitch_run-001_eeg.xdf"));
        Assert.Contains(recording.Streams, s => s.Info.Type == "EEG" && s.SampleCount > 1000);
        Assert.Contains(recording.Streams, s => s.Info.ChannelFormat == XdfChannelFormat.String && s.SampleCount > 0);

        var (report, collected) = await ReplayIntoInletsAsync(recording, new ReplayOptions { MaxSpeed = true });

        Assert.True(report.Completed);
        AssertSameAsFile(recording, collected, expectedShift: 0.0);
    }

    [SharedDataFact]
    public async Task Edf_with_annotations_becomes_a_signal_stream_and_an_annotation_marker_stream_restamped()
    {
        var path = SharedRecordings.File("eegmmidb-physionet-S001/S001/S001R04.edf");
        var recording = (await RecordingLoader.LoadAsync(path)).Slice(0, 30);
        var before = LslClock.LocalClock();

        var (report, collected) = await ReplayIntoInletsAsync(recording, new ReplayOptions { MaxSpeed = true });

        Assert.True(report.Restamped);
        Assert.NotNull(report.RestampReason);
        var signal = recording.Streams.Single(s => s.Info.Name == "S001R04");
        var annotations = recording.Streams.Single(s => s.Info.Name == "S001R04-annotations");
        Assert.Equal((64, 160.0), (signal.Info.ChannelCount, signal.Info.NominalSrate));
        Assert.Equal(("Markers", XdfChannelFormat.String, 0.0), (annotations.Info.Type, annotations.Info.ChannelFormat, annotations.Info.NominalSrate));
        Assert.Contains("T0", annotations.GetStrings().ToArray());
        // EDF times start at 0; restamped, everything moved by the replay start on the local clock.
        var shift = collected[signal.StreamId].Timestamps[0] - signal.Timestamps[0];
        Assert.InRange(shift + recording.StartTime, before, LslClock.LocalClock());
        AssertSameAsFile(recording, collected, expectedShift: shift);
    }

    [Fact]
    public async Task Restamp_shifts_every_stream_by_the_same_offset_onto_the_local_clock()
    {
        var recording = (await RecordingLoader.LoadAsync(Shipped("eeg-mi/sub-02.xdf"))).Slice(0, 4.2);
        var before = LslClock.LocalClock();

        var (report, collected) = await ReplayIntoInletsAsync(recording, new ReplayOptions { MaxSpeed = true, Restamp = true });

        Assert.True(report.Restamped);
        Assert.Null(report.RestampReason);
        var first = recording.Streams[0];
        var shift = collected[first.StreamId].Timestamps[0] - first.Timestamps[0];
        Assert.InRange(recording.StartTime + shift, before, LslClock.LocalClock());
        AssertSameAsFile(recording, collected, expectedShift: shift);
    }

    [Fact]
    public async Task Real_time_replay_keeps_the_schedule_and_reports_push_timing_and_rates()
    {
        // 1.5 s of the shipped EEG at 1x, with the first cue (0.5 s after the start) inside.
        var recording = (await RecordingLoader.LoadAsync(Shipped("eeg-mi/sub-01.xdf"))).Slice(0.3, 1.5);
        var progress = new List<ReplayProgress>();
        var options = new ReplayOptions { Progress = new SynchronousProgress(progress), ProgressInterval = TimeSpan.FromMilliseconds(200) };
        var stopwatch = Stopwatch.StartNew();

        var (report, collected) = await ReplayIntoInletsAsync(recording, options);

        Assert.True(report.Completed);
        Assert.InRange(stopwatch.Elapsed.TotalSeconds, recording.Duration, TestLsl.Patience);
        AssertSameAsFile(recording, collected, expectedShift: 0.0);
        var eeg = report.Streams.Single(s => s.Type == "EEG");
        var markers = report.Streams.Single(s => s.Type == "Markers");
        var rate = recording.Streams.Single(s => s.Info.Type == "EEG").Info.NominalSrate;
        Assert.InRange(markers.SamplesPushed, 1, 1000);
        Assert.Equal(recording.Streams.Single(s => s.Info.Type == "Markers").SampleCount, markers.SamplesPushed);
        Assert.Equal(rate, eeg.NominalRate);
        Assert.InRange(eeg.FileRate, rate * 0.999, rate * 1.001);
        Assert.True(eeg.EffectiveRate > 0);
        Assert.True(eeg.ChunksPushed > 10, "regular streams go out in ~10 ms chunks, not all at once");
        Assert.NotNull(eeg.PushError);
        Assert.Equal(eeg.ChunksPushed, eeg.PushError!.Count);
        Assert.True(eeg.PushError.MedianMs <= eeg.PushError.P99Ms && eeg.PushError.P99Ms <= eeg.PushError.MaxMs);
        Assert.NotEmpty(progress);
        Assert.All(progress, p => Assert.InRange(p.Position, 0, recording.Duration));
    }

    [Fact]
    public async Task Max_speed_replays_faster_than_real_time()
    {
        var recording = await RecordingLoader.LoadAsync(Shipped("eeg-mi/sub-03.xdf"));

        var (report, _) = await ReplayIntoInletsAsync(recording, new ReplayOptions { MaxSpeed = true });

        Assert.True(report.Completed);
        Assert.Null(report.Streams[0].PushError);
        // 16.5 s of recording; any time under that is faster than real time (typically tens of ms).
        Assert.InRange(report.ElapsedSeconds, 0, recording.Duration / 2);
    }

    [Fact]
    public async Task Loop_repeats_with_increasing_timestamps_shifted_by_one_period_per_pass()
    {
        var recording = (await RecordingLoader.LoadAsync(Shipped("emg-gestures/sub-01.xdf"))).Slice(0, 1.0);
        var (report, collected) = await ReplayIntoInletsAsync(recording, new ReplayOptions { MaxSpeed = true, Loop = true, LoopCount = 3 });

        Assert.Equal(3, report.Passes);
        var emg = recording.Streams.Single(s => s.Info.Type == "EMG");
        var received = collected[emg.StreamId].Timestamps;
        Assert.Equal(3 * emg.SampleCount, received.Count);
        for (var i = 1; i < received.Count; i++)
        {
            Assert.True(received[i] > received[i - 1], $"timestamp {i} does not increase");
        }
        var period = recording.Duration + (1.0 / emg.Info.NominalSrate);
        for (var pass = 0; pass < 3; pass++)
        {
            Assert.Equal(emg.Timestamps[0] + (pass * period), received[pass * emg.SampleCount], 9);
        }
    }

    [Fact]
    public async Task Cancellation_stops_the_replay_promptly_and_the_report_tells_how_far_it_got()
    {
        var recording = await RecordingLoader.LoadAsync(Shipped("eog-saccades/sub-01.xdf"));
        await using var replayer = new Replayer(recording, new ReplayOptions { Config = TestLsl.NewConfig() });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var run = replayer.RunAsync(cancel.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(TestLsl.Patience)));
        var report = replayer.GetReport();
        Assert.False(report.Completed);
        Assert.InRange(report.SamplesPushed, 1, recording.Streams.Sum(s => s.SampleCount) - 1);
    }

    [SharedDataFact]
    public async Task Streams_without_source_id_get_a_stable_derived_one()
    {
        var path = SharedRecordings.File("xdf-modules-example-files/minimal.xdf");
        var recording = await RecordingLoader.LoadAsync(path);
        var config = TestLsl.NewConfig();
        await using var first = new Replayer(recording, new ReplayOptions { Config = config });
        var ids = first.PublishedStreams.Select(s => s.SourceId).ToList();
        await first.DisposeAsync();
        await using var second = new Replayer(recording, new ReplayOptions { Config = config });

        Assert.All(ids, id => Assert.NotEmpty(id));
        Assert.Equal(ids, second.PublishedStreams.Select(s => s.SourceId));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public async Task A_file_that_is_neither_xdf_nor_edf_is_refused_with_a_format_error()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, "not a recording");
            var error = await Assert.ThrowsAsync<FormatException>(() => RecordingLoader.LoadAsync(path));
            Assert.Contains("neither XDF", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Starts the replay, opens an inlet on every published stream, and collects until the replay has ended and everything arrived.</summary>
    internal static async Task<(ReplayReport Report, Dictionary<uint, Collector> Collected)> ReplayIntoInletsAsync(ReplayRecording recording, ReplayOptions options)
    {
        var ct = TestLsl.Timeout();
        var config = TestLsl.NewConfig();
        await using var replayer = new Replayer(recording, options with { Config = config, WaitForConsumers = TimeSpan.FromSeconds(TestLsl.Patience) });
        var run = replayer.RunAsync(ct);
        var published = replayer.PublishedStreams.Zip(recording.Streams.Where(s => s.Info.ChannelCount > 0)).ToList();
        var bySource = await Collector.OpenAsync(published.Select(p => p.First.SourceId), config, ct);
        var collected = published.ToDictionary(p => p.Second.StreamId, p => bySource[p.First.SourceId]);
        try
        {
            var report = await run.WaitAsync(ct);
            var passes = options.Loop ? options.LoopCount ?? 1 : 1;
            foreach (var (_, stream) in published)
            {
                await collected[stream.StreamId].WaitForAsync(passes * stream.SampleCount, ct);
            }
            return (report, collected);
        }
        finally
        {
            foreach (var collector in collected.Values)
            {
                await collector.DisposeAsync();
            }
        }
    }

    /// <summary>Every stream: metadata as in the file, every sample with its values, timestamps = file + <paramref name="expectedShift"/>.</summary>
    internal static void AssertSameAsFile(ReplayRecording recording, Dictionary<uint, Collector> collected, double expectedShift)
    {
        foreach (var stream in recording.Streams.Where(s => s.Info.ChannelCount > 0))
        {
            var header = stream.Info;
            var got = collected[stream.StreamId];
            var info = got.FullInfo;
            Assert.Equal((header.Name, header.Type, header.ChannelCount, header.NominalSrate), (info.Name, info.Type, info.ChannelCount, info.NominalSrate));
            Assert.Equal(header.ChannelFormat.ToXdfName(), info.ChannelFormat.ToLslName());
            Assert.Equal(header.Channels.Select(c => (c.Label, c.Unit, c.Type)), info.GetChannels().Select(c => (c.Label, c.Unit, c.Type)));
            Assert.Equal(stream.SampleCount, got.Timestamps.Count);
            var stamps = stream.Timestamps;
            for (var i = 0; i < stream.SampleCount; i++)
            {
                // Timestamps travel as doubles; the shift is the only change (1 µs allows for its rounding).
                Assert.True(Math.Abs(got.Timestamps[i] - (stamps[i] + expectedShift)) < 1e-6,
                    $"{header.Name} sample {i}: {got.Timestamps[i]} vs {stamps[i]} + {expectedShift}");
            }
            if (header.ChannelFormat == XdfChannelFormat.String)
            {
                Assert.Equal(stream.GetStrings().ToArray(), got.Texts);
                continue;
            }
            for (var i = 0; i < stream.SampleCount * header.ChannelCount; i++)
            {
                var expected = stream.Data.GetDouble(stream.FirstSample + (i / header.ChannelCount), i % header.ChannelCount);
                Assert.True(expected.Equals(got.Values[i]), $"{header.Name} value {i}: {got.Values[i]} vs {expected}");
            }
        }
    }

    /// <summary>Progress reported on the replay's own thread, in order (Progress&lt;T&gt; would post to the pool).</summary>
    private sealed class SynchronousProgress(List<ReplayProgress> list) : IProgress<ReplayProgress>
    {
        public void Report(ReplayProgress value)
        {
            lock (list)
            {
                list.Add(value);
            }
        }
    }
}
