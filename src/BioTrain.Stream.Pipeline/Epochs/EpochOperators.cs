using System.Reactive.Disposables;
using System.Reactive.Linq;
using BioTrain.Stream.Pipeline.Metrics;

namespace BioTrain.Stream.Pipeline.Epochs;

/// <summary>Marker-locked epochs.</summary>
public static class EpochOperators
{
    /// <summary>
    /// Epochs of this data stream around the <paramref name="markers"/> that map to a class. Markers may
    /// arrive before or after their data (within <see cref="EpochOptions.HistorySeconds"/>); epochs come out
    /// when their last sample has arrived, borrowed (see <see cref="SignalWindow"/>). Counts markers,
    /// ignored markers, lost markers, epochs and epochs dropped for gaps. Completes when the data completes.
    /// </summary>
    public static IObservable<LabelledWindow> Epochs(this IObservable<SignalChunk> data, IObservable<Marker> markers, EpochOptions options, PipelineCounters? counters = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(markers);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return Observable.Create<LabelledWindow>(observer =>
        {
            var epocher = new Epocher(observer, options, counters);
            var markerSubscription = markers.Subscribe(epocher.MarkerObserver);
            var dataSubscription = data.Subscribe(epocher.DataObserver);
            return Disposable.Create(() =>
            {
                dataSubscription.Dispose();
                markerSubscription.Dispose();
                epocher.Dispose();
            });
        });
    }
}
