using BioTrain.Stream.Lsl.Discovery;
using BioTrain.Stream.Lsl.Info;
using BioTrain.Stream.Lsl.Inlet;
using BioTrain.Stream.Lsl.Outlet;

namespace BioTrain.Stream.Lsl.Tests;

/// <summary>Outlets and inlets talking over real sockets on 127.0.0.1 (machine scope, IPv4 only).</summary>
public class LoopbackTests
{
    private static async Task<StreamInfo> ResolveOne(string predicate, Config.LslConfig config)
    {
        var found = await StreamResolver.ResolveByPredicateAsync(predicate, 1, TestLsl.Patience, config, TestLsl.Timeout());
        return Assert.Single(found);
    }

    [Fact]
    public async Task Float32_samples_flow_from_outlet_to_inlet_with_timestamps()
    {
        var config = TestLsl.NewConfig();
        using var outlet = new StreamOutlet(new StreamInfo("Loop", "EEG", 8, 250, ChannelFormat.Float32, "loop-1"), config: config);
        var info = await ResolveOne("name='Loop'", config);
        Assert.Equal("127.0.0.1", info.V4Address);
        Assert.Equal(outlet.Info.Uid, info.Uid);

        await using var inlet = new StreamInlet(info, config: config);
        await inlet.OpenStreamAsync(TestLsl.Patience, TestLsl.Timeout());
        Assert.True(await outlet.WaitForConsumersAsync(TimeSpan.FromSeconds(TestLsl.Patience)));

        for (var i = 0; i < 10; i++)
        {
            var sample = Enumerable.Range(0, 8).Select(k => (float)(i * 100 + k)).ToArray();
            outlet.PushSample<float>(sample, 1000.0 + i);
        }

        var received = new float[8];
        for (var i = 0; i < 10; i++)
        {
            var ts = inlet.PullSample<float>(received, TestLsl.Patience);
            Assert.Equal(1000.0 + i, ts);
            Assert.Equal(Enumerable.Range(0, 8).Select(k => (float)(i * 100 + k)), received);
        }
    }

    [Theory]
    [InlineData(ChannelFormat.Double64)]
    [InlineData(ChannelFormat.Int32)]
    [InlineData(ChannelFormat.Int16)]
    [InlineData(ChannelFormat.Int8)]
    [InlineData(ChannelFormat.Int64)]
    public async Task Every_numeric_format_round_trips_as_chunks_with_deduced_timestamps(ChannelFormat format)
    {
        var config = TestLsl.NewConfig();
        using var outlet = new StreamOutlet(new StreamInfo("Fmt", "Test", 3, 100, format, "fmt"), config: config);
        var info = await ResolveOne("source_id='fmt'", config);
        await using var inlet = new StreamInlet(info, config: config);
        await inlet.OpenStreamAsync(TestLsl.Patience, TestLsl.Timeout());

        var chunk = new long[3 * 32];
        for (var i = 0; i < chunk.Length; i++)
        {
            chunk[i] = (i % 2 == 0 ? 1 : -1) * (i % 100);
        }

        outlet.PushChunk<long>(chunk, 500.31);
        var data = new long[3 * 32];
        var ts = new double[32];
        var got = 0;
        while (got < 32)
        {
            got += inlet.PullChunk<long>(data.AsSpan(got * 3), ts.AsSpan(got), TestLsl.Patience);
        }

        Assert.Equal(chunk, data);
        Assert.Equal(500.31, ts[31], 9);
        Assert.Equal(500.31 - 0.31, ts[0], 9);
    }

    [Fact]
    public async Task Marker_stream_of_strings_is_irregular_and_keeps_each_timestamp()
    {
        var config = TestLsl.NewConfig();
        using var outlet = new StreamOutlet(new StreamInfo("Markers", "Markers", 1, LslConstants.IrregularRate, ChannelFormat.String, "mk"), config: config);
        var info = await ResolveOne("type='Markers'", config);
        Assert.True(info.IsIrregular);
        await using var inlet = new StreamInlet(info, config: config);
        await inlet.OpenStreamAsync(TestLsl.Patience, TestLsl.Timeout());
        Assert.Equal(36000, inlet.BufferCapacity);

        var long1 = new string('λ', 400);
        outlet.PushSample(["stim/left"], 12.5);
        outlet.PushSample([long1], 13.0);
        outlet.PushSample([string.Empty], 14.0);
        var marker = new string[1];
        Assert.Equal(12.5, inlet.PullSample(marker, TestLsl.Patience));
        Assert.Equal("stim/left", marker[0]);
        Assert.Equal(13.0, inlet.PullSample(marker, TestLsl.Patience));
        Assert.Equal(long1, marker[0]);
        Assert.Equal(14.0, inlet.PullSample(marker, TestLsl.Patience));
        Assert.Equal(string.Empty, marker[0]);
    }

    [Fact]
    public async Task String_samples_pass_byte_exact_when_pushed_and_pulled_as_bytes()
    {
        var config = TestLsl.NewConfig();
        using var outlet = new StreamOutlet(new StreamInfo("Raw", "Markers", 2, LslConstants.IrregularRate, ChannelFormat.String, "raw"), config: config);
        var info = await ResolveOne("name='Raw'", config);
        await using var inlet = new StreamInlet(info, config: config);
        await inlet.OpenStreamAsync(TestLsl.Patience, TestLsl.Timeout());

        // Not UTF-8 (a lone continuation byte, an overlong form, 0xFF) next to a NUL and plain text.
        byte[] invalid = [0x80, 0xC0, 0xAF, 0xFF, 0x00, 0x41];
        var text = "stim/λ"u8.ToArray();
        outlet.PushSample([invalid, text], 1.0);
        outlet.PushSample([invalid, text], 2.0);
        outlet.PushSample(["stim/left", string.Empty], 3.0);

        var raw = new byte[2][];
        Assert.Equal(1.0, inlet.PullSample(raw, TestLsl.Patience));
        Assert.Equal(invalid, raw[0]);
        Assert.Equal(text, raw[1]);

        // The same bytes pulled as text: what is not UTF-8 becomes U+FFFD, valid text is kept.
        var strings = new string[2];
        Assert.Equal(2.0, inlet.PullSample(strings, TestLsl.Patience));
        Assert.Contains('\uFFFD', strings[0]);
        Assert.Equal("stim/λ", strings[1]);

        // Text pushed as strings arrives as its UTF-8 bytes.
        Assert.Equal(3.0, inlet.PullSample(raw, TestLsl.Patience));
        Assert.Equal("stim/left"u8.ToArray(), raw[0]);
        Assert.Empty(raw[1]);
    }

    [Fact]
    public async Task Fullinfo_brings_the_desc_with_channel_metadata()
    {
        var config = TestLsl.NewConfig();
        var source = new StreamInfo("Meta", "EMG", 2, 1000, ChannelFormat.Float32, "meta")
            .AddChannels([new("EMG1", "microvolts", "EMG"), new("EMG2", "microvolts", "EMG")]);
        using var outlet = new StreamOutlet(source, config: config);
        var info = await ResolveOne("count(desc/channels/channel)=2 and type='EMG'", config);
        Assert.Empty(info.GetChannels());
        await using var inlet = new StreamInlet(info, config: config);
        var full = await inlet.GetFullInfoAsync(TestLsl.Patience, TestLsl.Timeout());
        Assert.Equal(["EMG1", "EMG2"], full.GetChannels().Select(c => c.Label));
        Assert.Equal(outlet.Info.Uid, full.Uid);
    }

    [Fact]
    public async Task Several_outlets_on_one_host_are_all_found_and_deduplicated()
    {
        var config = TestLsl.NewConfig();
        using var a = new StreamOutlet(new StreamInfo("A", "EEG", 1, 10, ChannelFormat.Float32, "a"), config: config);
        using var b = new StreamOutlet(new StreamInfo("B", "EEG", 1, 10, ChannelFormat.Float32, "b"), config: config);
        using var c = new StreamOutlet(new StreamInfo("C", "EOG", 1, 10, ChannelFormat.Float32, "c"), config: config);
        var all = await StreamResolver.ResolveAllAsync(1.0, config, TestLsl.Timeout());
        Assert.Equal(["A", "B", "C"], all.Select(i => i.Name).Order());
        Assert.Equal(3, all.Select(i => i.Uid).Distinct().Count());

        var eeg = await StreamResolver.ResolveByPropertyAsync("type", "EEG", 2, TestLsl.Patience, config, TestLsl.Timeout());
        Assert.True(eeg.Count >= 2 && eeg.All(i => i.Type == "EEG"));
        var not = await StreamResolver.ResolveByPredicateAsync("not(type='EEG') or name='Z'", 1, TestLsl.Patience, config, TestLsl.Timeout());
        Assert.Equal("C", Assert.Single(not).Name);

        await using var continuous = new ContinuousResolver("type='EEG'", 5.0, config);
        var deadline = DateTime.UtcNow.AddSeconds(TestLsl.Patience);
        while (continuous.Results().Count < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(["A", "B"], continuous.Results().Select(i => i.Name).Order());
    }

    [Fact]
    public async Task Other_sessions_are_not_visible()
    {
        var config = TestLsl.NewConfig();
        using var outlet = new StreamOutlet(new StreamInfo("Hidden", "EEG", 1, 10, ChannelFormat.Float32, "h"), config: config with { SessionId = "rig-2" });
        Assert.Empty(await StreamResolver.ResolveAllAsync(0.5, config, TestLsl.Timeout()));
        Assert.Single(await StreamResolver.ResolveAllAsync(0.5, config with { SessionId = "rig-2" }, TestLsl.Timeout()));
    }

    [Fact]
    public async Task Time_correction_on_one_host_is_near_zero_with_its_uncertainty()
    {
        var config = TestLsl.NewConfig();
        using var outlet = new StreamOutlet(new StreamInfo("Clock", "EEG", 1, 10, ChannelFormat.Float32, "clk"), config: config);
        var info = await ResolveOne("name='Clock'", config);
        await using var inlet = new StreamInlet(info, config: config);
        var correction = await inlet.TimeCorrectionAsync(TestLsl.Patience, TestLsl.Timeout());
        // Same clock on both ends: the offset is bounded by the probe's round trip.
        Assert.True(Math.Abs(correction) <= inlet.TimeCorrectionUncertainty + 0.01, $"{correction} vs rtt {inlet.TimeCorrectionUncertainty}");
    }

    [Fact]
    public async Task Many_inlets_receive_the_same_samples()
    {
        var config = TestLsl.NewConfig();
        using var outlet = new StreamOutlet(new StreamInfo("Fan", "EEG", 4, 500, ChannelFormat.Float32, "fan"), config: config);
        var info = await ResolveOne("name='Fan'", config);
        var inlets = Enumerable.Range(0, 8).Select(_ => new StreamInlet(info, config: config)).ToList();
        try
        {
            await Task.WhenAll(inlets.Select(i => i.OpenStreamAsync(TestLsl.Patience, TestLsl.Timeout())));
            Assert.Equal(8, outlet.ConsumerCount);
            var chunk = Enumerable.Range(0, 4 * 100).Select(v => (float)v).ToArray();
            outlet.PushChunk<float>(chunk);
            foreach (var inlet in inlets)
            {
                var data = new float[400];
                var ts = new double[100];
                var got = 0;
                while (got < 100)
                {
                    got += inlet.PullChunk<float>(data.AsSpan(got * 4), ts.AsSpan(got), TestLsl.Patience);
                }

                Assert.Equal(chunk, data);
            }
        }
        finally
        {
            foreach (var inlet in inlets)
            {
                await inlet.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_slow_inlet_loses_its_oldest_samples_and_the_outlet_counts_them()
    {
        var config = TestLsl.NewConfig();
        using var outlet = new StreamOutlet(new StreamInfo("Drop", "EEG", 1, 10, ChannelFormat.Int32, "drop"), maxBuffered: 1, config: config);
        var info = await ResolveOne("name='Drop'", config);
        // The inlet buffers 1 s = 10 samples; the outlet ring keeps 16.
        await using var inlet = new StreamInlet(info, maxBufferLength: 1, config: config);
        await inlet.OpenStreamAsync(TestLsl.Patience, TestLsl.Timeout());
        var values = Enumerable.Range(0, 1000).ToArray();
        outlet.PushChunk<int>(values);
        var deadline = DateTime.UtcNow.AddSeconds(TestLsl.Patience);
        while (outlet.DroppedSamples + inlet.DroppedSamples + inlet.SamplesAvailable < 1000 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(10, inlet.SamplesAvailable);
        var data = new int[10];
        var ts = new double[10];
        Assert.Equal(10, inlet.PullChunk<int>(data, ts));
        Assert.Equal(Enumerable.Range(990, 10), data);
        Assert.Equal(990, outlet.DroppedSamples + inlet.DroppedSamples);
    }

    [Fact]
    public async Task Loss_is_reported_at_once_and_a_restarted_outlet_is_recovered_by_source_id()
    {
        var config = TestLsl.NewConfig();
        var description = new StreamInfo("Amp", "EEG", 2, 100, ChannelFormat.Float32, "amp-serial-42");
        var first = new StreamOutlet(description, config: config);
        var info = await ResolveOne("name='Amp'", config);
        await using var inlet = new StreamInlet(info, config: config);
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var recovered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        inlet.ConnectionLost += (_, _) => lost.TrySetResult();
        inlet.ConnectionRecovered += (_, _) => recovered.TrySetResult();
        await inlet.OpenStreamAsync(TestLsl.Patience, TestLsl.Timeout());

        first.Dispose();
        await lost.Task.WaitAsync(TimeSpan.FromSeconds(TestLsl.Patience));
        Assert.Equal(1, inlet.LostCount);

        using var second = new StreamOutlet(description, config: config);
        await recovered.Task.WaitAsync(TimeSpan.FromSeconds(TestLsl.Patience));
        Assert.Equal(second.Info.Uid, inlet.Info.Uid);
        Assert.True(inlet.WasClockReset());
        Assert.True(await second.WaitForConsumersAsync(TimeSpan.FromSeconds(TestLsl.Patience)));
        second.PushSample<float>([1f, 2f], 77.0);
        var sample = new float[2];
        Assert.Equal(77.0, inlet.PullSample<float>(sample, TestLsl.Patience));
        Assert.Equal([1f, 2f], sample);
    }

    [Fact]
    public async Task Without_recovery_a_pull_throws_lost_once_the_buffer_is_drained()
    {
        var config = TestLsl.NewConfig();
        var outlet = new StreamOutlet(new StreamInfo("Once", "EEG", 1, 100, ChannelFormat.Float32, "once"), config: config);
        var info = await ResolveOne("name='Once'", config);
        await using var inlet = new StreamInlet(info, recover: false, config: config);
        await inlet.OpenStreamAsync(TestLsl.Patience, TestLsl.Timeout());
        outlet.PushSample<float>([5f], 1.0);
        var sample = new float[1];
        Assert.Equal(1.0, inlet.PullSample<float>(sample, TestLsl.Patience));
        outlet.Dispose();
        Assert.Throws<LslLostException>(() => inlet.PullSample<float>(sample, TestLsl.Patience));
    }

    [Fact]
    public async Task Post_processing_clock_sync_and_monotonize_apply_to_pulled_timestamps()
    {
        var config = TestLsl.NewConfig();
        using var outlet = new StreamOutlet(new StreamInfo("Proc", "EEG", 1, 100, ChannelFormat.Double64, "proc"), config: config);
        var info = await ResolveOne("name='Proc'", config);
        await using var inlet = new StreamInlet(info, processing: ProcessingOptions.ClockSync | ProcessingOptions.Monotonize, config: config);
        await inlet.OpenStreamAsync(TestLsl.Patience, TestLsl.Timeout());
        outlet.PushSample<double>([1.0], 100.0);
        outlet.PushSample<double>([2.0], 99.0);
        var sample = new double[1];
        var t1 = inlet.PullSample<double>(sample, TestLsl.Patience);
        var t2 = inlet.PullSample<double>(sample, TestLsl.Patience);
        Assert.Equal(100.0, t1, 1);
        Assert.Equal(t1, t2);
    }

    [Fact]
    public async Task Async_pull_waits_without_a_thread_and_returns_the_chunk()
    {
        var config = TestLsl.NewConfig();
        using var outlet = new StreamOutlet(new StreamInfo("Async", "EEG", 2, 100, ChannelFormat.Float32, "async"), config: config);
        var info = await ResolveOne("name='Async'", config);
        await using var inlet = new StreamInlet(info, config: config);
        await inlet.OpenStreamAsync(TestLsl.Patience, TestLsl.Timeout());
        var pull = inlet.PullChunkAsync<float>(new float[20], new double[10], TestLsl.Timeout());
        outlet.PushChunk<float>([1, 2, 3, 4], 10.0);
        Assert.InRange(await pull, 1, 2);
    }

    [Fact]
    public async Task Numbers_travel_as_decimal_text_in_string_streams()
    {
        var config = TestLsl.NewConfig();
        using var outlet = new StreamOutlet(new StreamInfo("Text", "Markers", 2, 0, ChannelFormat.String, "text"), config: config);
        var info = await ResolveOne("name='Text'", config);
        await using var inlet = new StreamInlet(info, config: config);
        await inlet.OpenStreamAsync(TestLsl.Patience, TestLsl.Timeout());
        outlet.PushSample<double>([0.1, -42], 1.0);
        outlet.PushSample<float>([1.5f, 3f], 2.0);
        outlet.PushSample(["7", "not a number"], 3.0);
        var text = new string[2];
        Assert.Equal(1.0, inlet.PullSample(text, TestLsl.Patience));
        Assert.Equal(["0.1", "-42"], text);
        var numbers = new double[2];
        Assert.Equal(2.0, inlet.PullSample<double>(numbers, TestLsl.Patience));
        Assert.Equal([1.5, 3.0], numbers);
        var ints = new int[2];
        Assert.Equal(3.0, inlet.PullSample<int>(ints, TestLsl.Patience));
        Assert.Equal([7, 0], ints);
    }
}
