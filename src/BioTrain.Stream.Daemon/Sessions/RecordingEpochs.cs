using System.Reactive.Linq;
using System.Reactive.Subjects;
using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Device.Client;
using BioTrain.Stream.Formats.Xdf;
using BioTrain.Stream.Pipeline;
using BioTrain.Stream.Pipeline.Metrics;

namespace BioTrain.Stream.Daemon.Sessions;

/// <summary>
/// Labelled epochs of a recording, cut by the same operator chain a live session uses, so a model
/// pretrained on recordings sees exactly the windows it will see online.
/// </summary>
public static class RecordingEpochs
{
    private const int ChunkSamples = 256;

    /// <summary>The epochs of the first regular signal stream and the first marker stream of an XDF file, with the plan that cut them.</summary>
    public static async Task<(SessionPlan Plan, IReadOnlyList<LabelledSample> Samples)> FromXdfAsync(string path, SessionOptions options, CancellationToken cancellationToken)
    {
        var (plan, trials) = await TrialsFromXdfAsync(path, options, cancellationToken).ConfigureAwait(false);
        return (plan, [.. trials.Select(t => t.Sample)]);
    }

    /// <summary>Like <see cref="FromXdfAsync"/>, each epoch with its marker's time: the crops of one trial share it.</summary>
    public static async Task<(SessionPlan Plan, IReadOnlyList<(LabelledSample Sample, double MarkerTime)> Samples)> TrialsFromXdfAsync(string path, SessionOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (signal, markerStream, plan) = await OpenAsync(path, options, cancellationToken).ConfigureAwait(false);
        using var chunks = new Subject<SignalChunk>();
        using var markers = new Subject<Marker>();
        var counters = new PipelineCounters();
        var quality = SessionPipeline.Quality(plan, options.Input);
        var shared = SessionPipeline.Preprocess(chunks, plan, options.Pipeline, counters, quality).Publish();
        var results = new List<(LabelledSample, double)>();
        using var epochs = SessionPipeline.LabelledEpochs(shared, markers, plan, options, counters, quality)
            .Subscribe(e => results.Add((new LabelledSample(e.Window.Values.ToArray(), e.Label), e.Marker.Timestamp)));
        using var connection = shared.Connect();

        // Markers first: the epoch stage holds them until their data has come.
        var texts = markerStream.Data.GetStrings();
        for (var i = 0; i < texts.Length; i++)
        {
            markers.OnNext(new Marker(markerStream.Timestamps[i], texts[i]));
        }

        Replay(signal, chunks);
        markers.OnCompleted();
        return (plan, results);
    }

    /// <summary>
    /// The sliding windows a live session predicts on, each with the input sample it ends with
    /// (counted from the recording's first, as a session that saw the whole stream counts), normalised as configured.
    /// </summary>
    public static async Task<(SessionPlan Plan, IReadOnlyList<(long EndSample, float[] Values)> Windows)> InferenceWindowsFromXdfAsync(string path, SessionOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (signal, _, plan) = await OpenAsync(path, options, cancellationToken).ConfigureAwait(false);
        using var chunks = new Subject<SignalChunk>();
        var results = new List<(long, float[])>();
        var counters = new PipelineCounters();
        var quality = SessionPipeline.Quality(plan, options.Input);
        var windows = SessionPipeline.InferenceWindows(SessionPipeline.Preprocess(chunks, plan, options.Pipeline, counters, quality), plan, options.Pipeline, counters, quality);
        using (windows.Subscribe(w => results.Add((w.StartIndex + plan.WindowSamples, w.Values.ToArray()))))
        {
            Replay(signal, chunks);
        }

        return (plan, results);
    }

    private static async Task<(XdfStream Signal, XdfStream Markers, SessionPlan Plan)> OpenAsync(string path, SessionOptions options, CancellationToken cancellationToken)
    {
        var file = await XdfReader.ReadAsync(path, null, cancellationToken).ConfigureAwait(false);
        var signal = file.Streams.FirstOrDefault(s => !s.Info.IsIrregular && s.Info.Type != "Markers")
            ?? throw new InvalidOperationException($"{path} has no regular signal stream");
        var markerStream = file.Streams.FirstOrDefault(s => s.Info.Type == "Markers")
            ?? throw new InvalidOperationException($"{path} has no marker stream");
        var labels = signal.Info.Channels.Select(c => c.Label).ToList();
        return (signal, markerStream, SessionPlan.From(options, signal.Info.Name, signal.Info.NominalSrate, signal.Info.ChannelCount, labels));
    }

    /// <summary>The signal in chunks of 256 samples, as an inlet would deliver it.</summary>
    private static void Replay(XdfStream signal, Subject<SignalChunk> chunks)
    {
        var values = signal.Data.GetValues<float>();
        var channels = signal.Info.ChannelCount;
        using var chunk = new SignalChunk(channels, signal.Info.NominalSrate, signal.Info.SourceId, ChunkSamples);
        for (var start = 0; start < signal.SampleCount; start += ChunkSamples)
        {
            var n = Math.Min(ChunkSamples, signal.SampleCount - start);
            chunk.SetSampleCount(n);
            values.AsSpan(start * channels, n * channels).CopyTo(chunk.Values);
            signal.Timestamps.AsSpan(start, n).CopyTo(chunk.Timestamps);
            chunks.OnNext(chunk);
        }

        chunks.OnCompleted();
    }
}
