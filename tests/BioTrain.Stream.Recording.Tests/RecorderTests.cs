using BioTrain.Stream.Formats.Tests.Support;
using BioTrain.Stream.Formats.Xdf;
using BioTrain.Stream.Lsl;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Info;
using BioTrain.Stream.Lsl.Outlet;
using static BioTrain.Stream.Recording.Tests.TestFiles;

namespace BioTrain.Stream.Recording.Tests;

/// <summary>
/// Records real outlets on loopback and reads the file back with our reader and Debian's libxdf: headers,
/// samples, clock offsets, boundary chunks, footers; streams that appear late or restart.
/// </summary>
public sealed class RecorderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("biotrain-record-").FullName;

    [Fact]
    public async Task A_replayed_file_is_recorded_identically_with_offsets_boundaries_and_footers()
    {
        var ct = TestLsl.Timeout();
        var config = TestLsl.NewConfig();
        var path = Path.Combine(_directory, "replayed.xdf");
        var recording = await RecordingLoader.LoadAsync(Shipped("eeg-mi/sub-01.xdf"));
        await using var replayer = new Replayer(recording, new ReplayOptions { MaxSpeed = true, Config = config, WaitForConsumers = TimeSpan.FromSeconds(TestLsl.Patience) });
        await using var recorder = new Recorder(path, FastOptions(config) with { Query = "starts-with(source_id,'biotrain-synthetic-eeg-mi-sub-01')" });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var recording1 = recorder.RunAsync(stop.Token);

        await replayer.RunAsync(ct);
        var expected = recording.Streams.Sum(s => s.SampleCount);
        while (recorder.GetReport().Samples < expected)
        {
            await Task.Delay(20, ct);
        }
        await Task.Delay(1200, ct); // long enough for a boundary and a clock offset after the data
        await stop.CancelAsync();
        var report = await recording1;

        Assert.True(report.Completed);
        Assert.Equal(expected, report.Samples);
        var file = XdfReader.Read(path);
        Assert.Empty(file.Problems);
        Assert.Equal("1.0", file.Version);
        Assert.Equal(recording.Streams.Count, file.Streams.Count);
        foreach (var original in recording.Streams)
        {
            var recorded = file.FindStream(original.Info.Name)!;
            // The header is the outlet's full info: the replay's metadata, network fields of this host.
            Assert.Equal((original.Info.Type, original.Info.SourceId, original.Info.ChannelCount, original.Info.NominalSrate),
                (recorded.Info.Type, recorded.Info.SourceId, recorded.Info.ChannelCount, recorded.Info.NominalSrate));
            Assert.Equal(original.Info.Channels, recorded.Info.Channels);
            Assert.Contains("<v4data_port>", recorded.Info.Xml, StringComparison.Ordinal);
            Assert.Equal(original.Timestamps.ToArray(), recorded.Timestamps);
            if (original.Info.ChannelFormat == XdfChannelFormat.String)
            {
                Assert.Equal(original.GetStrings().ToArray(), recorded.Data.GetStrings());
            }
            else
            {
                Assert.Equal(original.GetValues<float>().ToArray(), recorded.Data.GetValues<float>());
            }
            AssertFooterAndOffsets(recorded);
        }
        Assert.True(CountBoundaries(path) >= 1);
        Assert.Equal(report.Boundaries, CountBoundaries(path));

        var libxdf = LibXdfCheck.Load(path);
        Assert.Equal(0, libxdf.LoadResult);
        for (var i = 0; i < file.Streams.Count; i++)
        {
            // libxdf lists string samples as events, numeric ones as time stamps.
            var samples = file.Streams[i].Info.ChannelFormat == XdfChannelFormat.String ? libxdf.Events[i].Count : libxdf.Streams[i].Samples;
            Assert.Equal((file.Streams[i].Info.Name, file.Streams[i].SampleCount), (libxdf.Streams[i].Name, samples));
        }
    }

    [Fact]
    public async Task Streams_that_appear_later_are_added()
    {
        var ct = TestLsl.Timeout();
        var config = TestLsl.NewConfig();
        var path = Path.Combine(_directory, "late.xdf");
        await using var early = new RampSource(config, "RecEarly", "EEG", 100);
        await using var recorder = new Recorder(path, FastOptions(config) with { Query = "starts-with(name,'Rec')" });
        var added = new List<string>();
        recorder.StreamAdded += (_, s) =>
        {
            lock (added)
            {
                added.Add(s.Name);
            }
        };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var run = recorder.RunAsync(stop.Token);
        while (recorder.GetReport().Samples < 20)
        {
            await Task.Delay(20, ct);
        }
        await using var late = new RampSource(config, "RecLate", "Markers", 0);
        while (recorder.GetReport().Streams.Count < 2 || recorder.GetReport().Streams[1].Samples < 3)
        {
            await Task.Delay(20, ct);
        }
        await stop.CancelAsync();
        var report = await run;

        Assert.True(report.Completed);
        Assert.Equal<string>(["RecEarly", "RecLate"], added);
        var file = XdfReader.Read(path);
        Assert.Empty(file.Problems);
        Assert.Equal<uint>([1u, 2u], file.Streams.Select(s => s.StreamId));
        foreach (var stream in file.Streams)
        {
            Assert.True(stream.SampleCount > 0, $"{stream.Info.Name} has samples");
            RampSource.AssertRamp(stream);
            AssertFooterAndOffsets(stream);
        }
        Assert.Equal("string", file.FindStream("RecLate")!.Info.ChannelFormat.ToXdfName());
    }

    [Fact]
    public async Task The_duration_ends_the_recording_with_a_complete_file()
    {
        var config = TestLsl.NewConfig();
        var path = Path.Combine(_directory, "duration.xdf");
        await using var source = new RampSource(config, "RecTimed", "EEG", 100);
        await using var recorder = new Recorder(path, FastOptions(config) with { Query = "name='RecTimed'", Duration = TimeSpan.FromSeconds(1) });

        var report = await recorder.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(TestLsl.Patience));

        Assert.True(report.Completed);
        Assert.InRange(report.ElapsedSeconds, 0.9, TestLsl.Patience); // the timer and the LSL clock differ by a little
        var file = XdfReader.Read(path);
        Assert.Empty(file.Problems);
        Assert.All(file.Streams, stream => Assert.NotNull(stream.Footer));
    }

    [Fact]
    public async Task A_stream_that_drops_and_comes_back_keeps_being_recorded_in_the_same_stream()
    {
        var ct = TestLsl.Timeout();
        var config = TestLsl.NewConfig();
        var path = Path.Combine(_directory, "recover.xdf");
        await using var recorder = new Recorder(path, FastOptions(config) with { Query = "name='RecRestart'" });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var run = recorder.RunAsync(stop.Token);

        await using var first = new RampSource(config, "RecRestart", "EEG", 100);
        while (recorder.GetReport().Samples < 50)
        {
            await Task.Delay(20, ct);
        }
        var before = first.Pushed;
        await first.DisposeAsync();
        // A restarted amplifier app: same name, type and source_id, new uid; the ramp goes on where it stopped.
        await using var second = new RampSource(config, "RecRestart", "EEG", 100, startAt: before + 1000);
        while (recorder.GetReport().Samples < 50 + before)
        {
            await Task.Delay(20, ct);
        }
        await stop.CancelAsync();
        var report = await run;

        var stream = Assert.Single(report.Streams);
        Assert.True(stream.ConnectionLosses >= 1);
        var file = XdfReader.Read(path);
        Assert.Empty(file.Problems);
        var recorded = Assert.Single(file.Streams);
        var values = recorded.Data.GetValues<float>();
        Assert.Contains(values, v => v < before);
        Assert.Contains(values, v => v >= before + 1000);
        RampSource.AssertRamp(recorded);
    }

    [Fact]
    public async Task A_recorder_that_never_ran_still_leaves_a_readable_file()
    {
        var path = Path.Combine(_directory, "empty.xdf");
        await using (new Recorder(path, FastOptions(TestLsl.NewConfig())))
        {
        }

        var file = XdfReader.Read(path);
        Assert.Empty(file.Problems);
        Assert.Empty(file.Streams);
        Assert.Equal("1.0", file.Version);
    }

    internal static RecorderOptions FastOptions(LslConfig config) => new()
    {
        Config = config,
        PullInterval = TimeSpan.FromMilliseconds(50),
        ClockOffsetInterval = TimeSpan.FromMilliseconds(500),
        BoundaryInterval = TimeSpan.FromMilliseconds(500),
        ResolveInterval = TimeSpan.FromMilliseconds(200),
    };

    /// <summary>LabRecorder's footer: first/last timestamp and count of what the file holds, the clock offsets repeated.</summary>
    internal static void AssertFooterAndOffsets(XdfStream stream)
    {
        var footer = stream.Footer;
        Assert.NotNull(footer);
        Assert.Equal(stream.SampleCount, footer!.SampleCount);
        Assert.Equal(stream.Timestamps[0], footer.FirstTimestamp);
        Assert.Equal(stream.Timestamps[^1], footer.LastTimestamp);
        Assert.NotEmpty(stream.ClockOffsets);
        Assert.Equal(stream.ClockOffsets, footer.ClockOffsets);
        foreach (var offset in stream.ClockOffsets)
        {
            // One machine: the correction is 0 within half the probe's round trip (tens of ms on a loaded box).
            Assert.InRange(offset.Value, -0.25, 0.25);
            Assert.InRange(offset.CollectionTime, 0, LslClock.LocalClock());
        }
    }

    internal static int CountBoundaries(string path)
    {
        ReadOnlySpan<byte> uuid = [0x43, 0xA5, 0x46, 0xDC, 0xCB, 0xF5, 0x41, 0x0F, 0xB3, 0x0E, 0xD5, 0x46, 0x73, 0x83, 0xCB, 0xE4];
        var bytes = File.ReadAllBytes(path).AsSpan();
        var count = 0;
        int at;
        while ((at = bytes.IndexOf(uuid)) >= 0)
        {
            count++;
            bytes = bytes[(at + uuid.Length)..];
        }
        return count;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

/// <summary>
/// A test outlet pushing a ramp (sample n carries n in every channel) every 10 ms, stamped with the
/// local clock; irregular (rate 0) sources push a string marker every 100 ms.
/// </summary>
internal sealed class RampSource : IAsyncDisposable
{
    private readonly StreamOutlet _outlet;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pushing;
    private long _next;

    public RampSource(LslConfig config, string name, string type, double rate, long startAt = 0)
    {
        var format = rate > 0 ? ChannelFormat.Float32 : ChannelFormat.String;
        var channels = rate > 0 ? 3 : 1;
        var info = new StreamInfo(name, type, channels, rate, format, sourceId: name + "-test")
            .AddChannels(Enumerable.Range(1, channels).Select(k => new ChannelDescription($"ch{k}", "microvolts", type)));
        _outlet = new StreamOutlet(info, config: config);
        _next = startAt;
        _pushing = Task.Run(() => PushAsync(rate, _stop.Token));
    }

    /// <summary>Samples pushed so far (the next value minus the start).</summary>
    public long Pushed => Interlocked.Read(ref _next);

    /// <summary>Values are the ramp: consecutive samples differ by 1 except across a restart, and every channel agrees.</summary>
    public static void AssertRamp(XdfStream stream)
    {
        var channels = stream.Info.ChannelCount;
        double Value(int sample) => stream.Data.GetDouble(sample, 0);
        for (var i = 0; i < stream.SampleCount; i++)
        {
            for (var c = 1; c < channels; c++)
            {
                Assert.Equal(Value(i), stream.Data.GetDouble(i, c));
            }
            if (i > 0)
            {
                Assert.True(Value(i) > Value(i - 1), $"sample {i} of {stream.Info.Name}: {Value(i)} after {Value(i - 1)}");
                Assert.True(stream.Timestamps[i] >= stream.Timestamps[i - 1]);
            }
        }
    }

    private async Task PushAsync(double rate, CancellationToken ct)
    {
        var channels = _outlet.Info.ChannelCount;
        var numbers = new float[channels];
        var texts = new string[channels];
        var start = LslClock.LocalClock();
        long pushed = 0;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var due = rate > 0 ? (long)((LslClock.LocalClock() - start) * rate) : pushed + 1;
                for (; pushed < due; pushed++)
                {
                    var value = Interlocked.Increment(ref _next) - 1;
                    numbers.AsSpan().Fill(value);
                    texts.AsSpan().Fill(value.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    if (rate > 0)
                    {
                        _outlet.PushSample<float>(numbers, LslClock.LocalClock());
                    }
                    else
                    {
                        _outlet.PushSample(texts, LslClock.LocalClock());
                    }
                }
                await Task.Delay(rate > 0 ? 10 : 100, ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }
        await _stop.CancelAsync();
        await _pushing;
        await _outlet.DisposeAsync();
    }
}
