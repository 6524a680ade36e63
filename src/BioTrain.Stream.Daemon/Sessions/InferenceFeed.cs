using BioTrain.Stream.Daemon.Metrics;
using BioTrain.Stream.Device.Scheduling;
using BioTrain.Stream.Pipeline;
using BioTrain.Stream.Pipeline.Metrics;
using BioTrain.Stream.Pipeline.Operators;
using BioTrain.Stream.Pipeline.Quality;

namespace BioTrain.Stream.Daemon.Sessions;

/// <summary>
/// The inference side of the pipeline for a device with an input ring: each preprocessed chunk goes
/// into the host's mirror of the ring as it is, and where a sliding window ends (the windows of
/// <see cref="SignalOperators.SlidingWindows"/>, gaps included) a prediction is asked for. No window
/// is cut or copied on the host: the device holds it. A window that overlaps bad input (see
/// <see cref="InputQuality"/>) is not asked for; it is counted as dropped.
/// </summary>
internal sealed class InferenceFeed : IObserver<SignalChunk>
{
    private readonly SessionDevice _device;
    private readonly WindowClock _clock;
    private readonly Func<double> _arrivedAt;
    private readonly SessionMetrics _metrics;
    private readonly InputQuality _quality;
    private readonly PipelineCounters _counters;
    private readonly double _windowSeconds;

    public InferenceFeed(SessionDevice device, WindowClock clock, Func<double> arrivedAt, SessionMetrics metrics, InputQuality quality, PipelineCounters counters, double windowSeconds)
    {
        _device = device;
        _clock = clock;
        _arrivedAt = arrivedAt;
        _metrics = metrics;
        _quality = quality;
        _counters = counters;
        _windowSeconds = windowSeconds;
    }

    public void OnNext(SignalChunk value)
    {
        _device.Input.Append(value.Values);
        var arrived = _arrivedAt();
        var timestamps = value.Timestamps;
        for (var i = 0; i < timestamps.Length; i++)
        {
            if (_clock.Step(timestamps[i], value.NominalRate) != WindowEnd.Window)
            {
                continue;
            }

            if (_quality.Spoils(timestamps[i] - _windowSeconds, timestamps[i]))
            {
                _counters.AddWindowDroppedForBadInput();
                _metrics.DroppedForBadInput.Inc();
            }
            else
            {
                _metrics.InferenceWindows.Inc();
                _device.RequestPrediction(new PredictionRequest(_clock.Received, timestamps[i], arrived));
            }
        }
    }

    public void OnError(Exception error)
    {
    }

    public void OnCompleted()
    {
    }
}
