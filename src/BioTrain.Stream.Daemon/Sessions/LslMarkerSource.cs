using System.Reactive.Subjects;
using BioTrain.Stream.Lsl.Inlet;
using BioTrain.Stream.Pipeline;

namespace BioTrain.Stream.Daemon.Sessions;

/// <summary>
/// Pulls a string marker stream (one channel) and publishes each marker with its clock-corrected
/// timestamp. String pulls block, so this runs on a thread of its own; markers are rare.
/// </summary>
internal sealed class LslMarkerSource : IDisposable
{
    private readonly StreamInlet _inlet;
    private readonly Subject<Marker> _subject = new();

    public LslMarkerSource(StreamInlet inlet) => _inlet = inlet;

    public IObservable<Marker> Markers => _subject;

    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => Pump(cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Pump(CancellationToken cancellationToken)
    {
        var values = new string[32];
        var timestamps = new double[32];
        while (!cancellationToken.IsCancellationRequested)
        {
            var n = _inlet.PullChunk(values, timestamps, timeout: 0.2);
            for (var i = 0; i < n; i++)
            {
                _subject.OnNext(new Marker(timestamps[i], values[i]));
            }
        }

        _subject.OnCompleted();
    }

    public void Dispose() => _subject.Dispose();
}
