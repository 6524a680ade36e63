using System.Reactive.Subjects;

namespace BioTrain.Stream.Pipeline.Tests;

/// <summary>
/// A recorded multichannel stream to replay in chunks, the way an inlet adapter does: one producer
/// chunk reused for every OnNext (so tests exercise the borrowed-chunk rule).
/// </summary>
internal sealed class TestStream
{
    public TestStream(int channels, double rate, int samples, double start = 1000, int seed = 1, Func<int, int, float>? value = null)
    {
        Channels = channels;
        Rate = rate;
        Values = new float[samples * channels];
        Timestamps = new double[samples];
        var noise = Generators.Noise(Values.Length, seed);
        for (var s = 0; s < samples; s++)
        {
            Timestamps[s] = start + (s / rate);
            for (var c = 0; c < channels; c++)
            {
                Values[(s * channels) + c] = value?.Invoke(s, c) ?? noise[(s * channels) + c];
            }
        }
    }

    private TestStream(int channels, double rate, float[] values, double[] timestamps)
    {
        Channels = channels;
        Rate = rate;
        Values = values;
        Timestamps = timestamps;
    }

    public int Channels { get; }

    public double Rate { get; }

    public float[] Values { get; }

    public double[] Timestamps { get; }

    public int Samples => Timestamps.Length;

    /// <summary>The same stream with samples [from, from + count) missing (a gap in the timestamps).</summary>
    public TestStream WithoutSamples(int from, int count)
    {
        var keep = Enumerable.Range(0, Samples).Where(s => s < from || s >= from + count).ToArray();
        var values = keep.SelectMany(s => Values.AsSpan(s * Channels, Channels).ToArray()).ToArray();
        return new TestStream(Channels, Rate, values, [.. keep.Select(s => Timestamps[s])]);
    }

    /// <summary>Replays the stream in chunks of the given sizes (the rest in one chunk), then completes.</summary>
    public void Replay(IObserver<SignalChunk> observer, IEnumerable<int> sizes, bool complete = true, string sourceId = "test")
    {
        using var chunk = new SignalChunk(Channels, Rate, sourceId, 4);
        var at = 0;
        foreach (var size in sizes.Append(int.MaxValue))
        {
            var count = Math.Min(size, Samples - at);
            if (count <= 0)
            {
                break;
            }
            chunk.SetSampleCount(count);
            Values.AsSpan(at * Channels, count * Channels).CopyTo(chunk.Values);
            Timestamps.AsSpan(at, count).CopyTo(chunk.Timestamps);
            observer.OnNext(chunk);
            at += count;
        }
        if (complete)
        {
            observer.OnCompleted();
        }
    }

    /// <summary>Runs <paramref name="pipeline"/> over the stream replayed in chunks and collects what it emits through <paramref name="keep"/>.</summary>
    public List<TOut> Run<T, TOut>(Func<IObservable<SignalChunk>, IObservable<T>> pipeline, IEnumerable<int> sizes, Func<T, TOut> keep)
    {
        var results = new List<TOut>();
        using var subject = new Subject<SignalChunk>();
        Exception? failure = null;
        using (pipeline(subject).Subscribe(item => results.Add(keep(item)), e => failure = e))
        {
            Replay(subject, sizes);
        }
        return failure is null ? results : throw new InvalidOperationException("The pipeline failed.", failure);
    }
}

/// <summary>A window as plain data, to compare runs.</summary>
internal sealed record WindowRecord(long StartIndex, double FirstTimestamp, double Timestamp, float[] Values)
{
    public static WindowRecord Of(SignalWindow window) => new(window.StartIndex, window.FirstTimestamp, window.Timestamp, window.Values.ToArray());

    public bool SameAs(WindowRecord other) =>
        StartIndex == other.StartIndex && FirstTimestamp == other.FirstTimestamp && Timestamp == other.Timestamp && Values.AsSpan().SequenceEqual(other.Values);
}

/// <summary>A chunk's samples as plain data.</summary>
internal sealed record ChunkRecord(int Channels, double Rate, float[] Values, double[] Timestamps)
{
    public static ChunkRecord Of(SignalChunk chunk) => new(chunk.ChannelCount, chunk.NominalRate, chunk.Values.ToArray(), chunk.Timestamps.ToArray());

    public static ChunkRecord Concat(IReadOnlyList<ChunkRecord> chunks) =>
        new(chunks[0].Channels, chunks[0].Rate, [.. chunks.SelectMany(c => c.Values)], [.. chunks.SelectMany(c => c.Timestamps)]);
}
