using System.Reactive.Subjects;
using BioTrain.Stream.Pipeline.Epochs;
using BioTrain.Stream.Pipeline.Metrics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace BioTrain.Stream.Pipeline.Tests.Epochs;

public class EpochTests
{
    private static readonly Dictionary<string, int> Classes = new() { ["left"] = 0, ["right"] = 1 };

    private static EpochOptions Options(double history = 30) => new() { Classes = Classes, TMin = -0.2, TMax = 0.8, HistorySeconds = history };

    /// <summary>Markers every 1.3 s over a 250 Hz stream starting at t = 1000; channel 0 holds the sample index.</summary>
    private static (TestStream Stream, Marker[] Markers) Session(int samples = 2800)
    {
        var stream = new TestStream(2, 250, samples, start: 1000, value: (s, c) => c == 0 ? s : -s);
        var markers = Enumerable.Range(0, 8).Select(i => new Marker(1000.5 + (1.3 * i) + 0.0013, i % 3 == 2 ? "rest" : i % 2 == 0 ? "left" : "right")).ToArray();
        return (stream, markers);
    }

    private sealed record EpochRecord(string Marker, int Label, long Start, double First, double Last, float[] Values);

    /// <summary>
    /// Replays data in chunks and markers at given points: marker i is pushed just before data chunk
    /// arrival[i] (0 = before any data, past the last chunk = after all data, before completion).
    /// </summary>
    private static (List<EpochRecord> Epochs, PipelineCounters Counters) Run(TestStream stream, Marker[] markers, int[] sizes, int[] arrival, EpochOptions options)
    {
        var counters = new PipelineCounters();
        var epochs = new List<EpochRecord>();
        using var data = new Subject<SignalChunk>();
        using var markerSubject = new Subject<Marker>();
        using var subscription = data.Epochs(markerSubject, options, counters)
            .Subscribe(e => epochs.Add(new EpochRecord(e.Marker.Value, e.Label, e.Window.StartIndex, e.Window.FirstTimestamp, e.Window.Timestamp, e.Window.Values.ToArray())));

        var chunks = new List<int>();
        var left = stream.Samples;
        foreach (var size in sizes.Append(int.MaxValue))
        {
            if (left == 0)
            {
                break;
            }
            chunks.Add(Math.Min(size, left));
            left -= chunks[^1];
        }
        using var chunk = new SignalChunk(stream.Channels, stream.Rate, "eeg");
        var at = 0;
        for (var k = 0; k <= chunks.Count; k++)
        {
            for (var i = 0; i < markers.Length; i++)
            {
                if (Math.Min(arrival[i], chunks.Count) == k)
                {
                    markerSubject.OnNext(markers[i]);
                }
            }
            if (k == chunks.Count)
            {
                break;
            }
            chunk.SetSampleCount(chunks[k]);
            stream.Values.AsSpan(at * stream.Channels, chunks[k] * stream.Channels).CopyTo(chunk.Values);
            stream.Timestamps.AsSpan(at, chunks[k]).CopyTo(chunk.Timestamps);
            data.OnNext(chunk);
            at += chunks[k];
        }
        data.OnCompleted();
        return ([.. epochs.OrderBy(e => e.Start)], counters);
    }

    private static bool Same(List<EpochRecord> a, List<EpochRecord> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.Marker == p.Second.Marker && p.First.Label == p.Second.Label && p.First.Start == p.Second.Start
            && p.First.First == p.Second.First && p.First.Last == p.Second.Last && p.First.Values.AsSpan().SequenceEqual(p.Second.Values));

    [Property(MaxTest = 60)]
    public Property Epochs_are_identical_however_data_is_chunked_and_whenever_markers_arrive() =>
        Prop.ForAll(Generators.ChunkSizes(2800).ToArbitrary(), Gen.ArrayOf(Gen.Choose(0, 400), 8).ToArbitrary(), (sizes, arrival) =>
        {
            var (stream, markers) = Session();
            var reference = Run(stream, markers, [2800], [1, 1, 1, 1, 1, 1, 1, 1], Options());
            var (epochs, counters) = Run(stream, markers, sizes, arrival, Options());
            return Same(reference.Epochs, epochs) && counters.Epochs == 6 && counters.MarkersIgnored == 2 && counters.MarkersLost == 0;
        });

    [Fact]
    public void Epochs_take_the_samples_from_the_one_nearest_marker_plus_tmin_for_tmax_minus_tmin()
    {
        var (stream, markers) = Session();
        var (epochs, counters) = Run(stream, markers, [100], [0, 0, 0, 0, 0, 0, 0, 0], Options());
        Assert.Equal(6, epochs.Count);
        Assert.Equal(6, counters.Epochs);
        Assert.Equal(8, counters.Markers);
        Assert.Equal(2, counters.MarkersIgnored); // "rest" has no class
        foreach (var e in epochs)
        {
            var marker = markers.Single(m => m.Value == e.Marker && Math.Abs(stream.Timestamps[e.Start] - (m.Timestamp - 0.2)) <= 0.002);
            Assert.Equal(Classes[marker.Value], e.Label);
            Assert.Equal(250 * 2, e.Values.Length); // 1 s at 250 Hz, 2 channels
            Assert.Equal(Enumerable.Range((int)e.Start, 250).Select(s => (float)s), e.Values[..250]);
            Assert.Equal(Enumerable.Range((int)e.Start, 250).Select(s => (float)-s), e.Values[250..]);
            Assert.Equal(stream.Timestamps[e.Start + 249], e.Last);
        }
    }

    [Fact]
    public void Early_and_late_markers_give_the_same_epochs()
    {
        var (stream, markers) = Session();
        var early = Run(stream, markers, [64], [0, 0, 0, 0, 0, 0, 0, 0], Options());
        var late = Run(stream, markers, [64], [99, 99, 99, 99, 99, 99, 99, 99], Options());
        Assert.True(Same(early.Epochs, late.Epochs));
        Assert.Equal(6, late.Epochs.Count);
    }

    [Fact]
    public void A_marker_later_than_the_history_is_counted_as_lost()
    {
        var (stream, markers) = Session();
        // History 3 s; markers all arrive after 10 s of data: the first ones' data is gone.
        var (epochs, counters) = Run(stream, markers, [250], [99, 99, 99, 99, 99, 99, 99, 99], Options(history: 3));
        Assert.Equal(6, counters.MarkersLost + counters.Epochs);
        Assert.True(counters.MarkersLost >= 3, $"{counters.MarkersLost} lost");
        Assert.Equal(counters.Epochs, epochs.Count);
    }

    [Fact]
    public void A_marker_before_the_stream_began_is_lost_and_one_whose_data_never_came_too()
    {
        var stream = new TestStream(1, 250, 500, start: 1000);
        Marker[] markers = [new(990, "left"), new(1001, "right"), new(1010, "left")];
        var (epochs, counters) = Run(stream, markers, [50], [0, 0, 0], Options());
        Assert.Single(epochs);
        Assert.Equal(2, counters.MarkersLost);
    }

    [Fact]
    public void An_epoch_spanning_a_gap_is_dropped_and_counted()
    {
        var (stream, markers) = Session();
        var gappy = stream.WithoutSamples(160, 20); // inside the first epoch (samples 75..324)
        var (epochs, counters) = Run(gappy, markers, [50], [0, 0, 0, 0, 0, 0, 0, 0], Options());
        Assert.Equal(1, counters.EpochsDroppedForGaps);
        Assert.Equal(5, epochs.Count);
        Assert.DoesNotContain(epochs, e => e.Values[0] == 75);
    }

    [Fact]
    public async Task Markers_from_another_thread_while_data_flows_give_the_same_epochs()
    {
        var (stream, markers) = Session();
        var reference = Run(stream, markers, [2800], [1, 1, 1, 1, 1, 1, 1, 1], Options());
        var counters = new PipelineCounters();
        var epochs = new List<EpochRecord>();
        using var data = new Subject<SignalChunk>();
        using var markerSubject = new Subject<Marker>();
        var completed = new TaskCompletionSource();
        using var subscription = data.Epochs(markerSubject, Options(), counters).Subscribe(
            e => epochs.Add(new EpochRecord(e.Marker.Value, e.Label, e.Window.StartIndex, e.Window.FirstTimestamp, e.Window.Timestamp, e.Window.Values.ToArray())),
            () => completed.SetResult());

        var markerThread = Task.Run(() =>
        {
            foreach (var marker in markers)
            {
                markerSubject.OnNext(marker);
                Thread.Yield();
            }
        });
        var dataThread = Task.Run(() => stream.Replay(data, Enumerable.Repeat(16, 200), complete: false));
        await Task.WhenAll(markerThread, dataThread);
        data.OnCompleted();
        await completed.Task;

        Assert.True(Same(reference.Epochs, [.. epochs.OrderBy(e => e.Start)]));
        Assert.Equal(0, counters.MarkersLost);
    }

    [Fact]
    public void A_full_waiting_queue_drops_its_oldest_marker_and_counts_it()
    {
        var stream = new TestStream(1, 250, 100, start: 1000);
        var markers = Enumerable.Range(0, 5).Select(i => new Marker(2000 + i, "left")).ToArray(); // far in the future
        var options = Options() with { MaxPendingMarkers = 3 };
        var (_, counters) = Run(stream, markers, [50], [0, 0, 0, 0, 0], options);
        Assert.Equal(5, counters.MarkersLost); // 2 pushed out, 3 never got their data
    }
}
