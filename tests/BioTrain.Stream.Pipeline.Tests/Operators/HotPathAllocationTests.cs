using System.Reactive.Subjects;
using BioTrain.Stream.Pipeline.Dsp;
using BioTrain.Stream.Pipeline.Metrics;
using BioTrain.Stream.Pipeline.Operators;

namespace BioTrain.Stream.Pipeline.Tests.Operators;

/// <summary>Once warm, the live chain allocates nothing per chunk (bytes counted, not time).</summary>
public class HotPathAllocationTests
{
    [Fact]
    public void Track_car_filter_windows_and_z_score_allocate_nothing_per_chunk()
    {
        const int Channels = 64;
        const int ChunkSamples = 32;
        var counters = new PipelineCounters();
        var sos = Butterworth.BandPass(4, 1, 40, 1000).Then(Notch.Design(50, 30, 1000));
        using var source = new Subject<SignalChunk>();
        var windows = 0L;
        using var subscription = source.TrackStream(counters).CommonAverageReference().Filter(sos)
            .SlidingWindows(500, 100, counters).NormalizeWindows().Subscribe(_ => windows++);

        using var chunk = new SignalChunk(Channels, 1000, "eeg", ChunkSamples);
        chunk.SetSampleCount(ChunkSamples);
        Generators.Noise(Channels * ChunkSamples, 1).CopyTo(chunk.Values);
        var t = 0.0;
        void Push(int chunks)
        {
            for (var i = 0; i < chunks; i++)
            {
                var stamps = chunk.Timestamps;
                for (var s = 0; s < stamps.Length; s++)
                {
                    stamps[s] = t;
                    t += 0.001;
                }
                source.OnNext(chunk);
            }
        }

        Push(100); // warm-up: buffers, JIT tiers
        var before = GC.GetAllocatedBytesForCurrentThread();
        Push(1000);
        var bytes = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(windows > 300);
        Assert.True(bytes < 1000, $"{bytes} bytes for 1000 chunks"); // under a byte per chunk
    }
}
