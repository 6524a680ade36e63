using System.Reactive.Subjects;
using BioTrain.Stream.Lsl;
using BioTrain.Stream.Lsl.Inlet;
using BioTrain.Stream.Pipeline;

namespace BioTrain.Stream.Daemon.Sessions;

/// <summary>
/// Pulls chunks from a float32 LSL inlet into one reused <see cref="SignalChunk"/> and pushes it
/// through the pipeline (borrowed for the duration of OnNext, as the pipeline's ownership rules say).
/// No thread waits: the pull is asynchronous.
/// </summary>
internal sealed class LslSignalSource : IDisposable
{
    private const int MaxChunkSamples = 256;
    private readonly StreamInlet _inlet;
    private readonly Subject<SignalChunk> _subject = new();
    private readonly float[] _values;
    private readonly double[] _timestamps = new double[MaxChunkSamples];
    private readonly SignalChunk _chunk;

    public LslSignalSource(StreamInlet inlet, int channels, double nominalRate, string sourceId)
    {
        _inlet = inlet;
        _values = new float[MaxChunkSamples * channels];
        _chunk = new SignalChunk(channels, nominalRate, sourceId, MaxChunkSamples);
    }

    public IObservable<SignalChunk> Chunks => _subject;

    /// <summary>Samples pulled so far.</summary>
    public long Samples { get; private set; }

    /// <summary>
    /// LSL clock when the chunk being pushed through the pipeline left the inlet: the arrival of its
    /// samples on this host, from which the host's part of a prediction's latency is measured.
    /// </summary>
    public double PulledAt { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var n = await _inlet.PullChunkAsync<float>(_values, _timestamps, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    continue;
                }

                PulledAt = LslClock.LocalClock();
                _chunk.SetSampleCount(n);
                _values.AsSpan(0, n * _chunk.ChannelCount).CopyTo(_chunk.Values);
                _timestamps.AsSpan(0, n).CopyTo(_chunk.Timestamps);
                Samples += n;
                _subject.OnNext(_chunk);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        _subject.OnCompleted();
    }

    public void Dispose()
    {
        _subject.Dispose();
        _chunk.Dispose();
    }
}
