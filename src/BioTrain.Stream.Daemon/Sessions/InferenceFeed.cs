using BioTrain.Stream.Daemon.Metrics;
using BioTrain.Stream.Device.Scheduling;
using BioTrain.Stream.Pipeline;
using BioTrain.Stream.Pipeline.Operators;

namespace BioTrain.Stream.Daemon.Sessions;

/// <summary>
/// The inference side of the pipeline for a device with an input ring: each preprocessed chunk goes
/// into the host's mirror of the ring as it is, and where a sliding window ends (the windows of
/// <see cref="SignalOperators.SlidingWindows"/>, gaps included) a prediction is asked for. No window
/// is cut or copied on the host: the device holds it.
/// </summary>
internal sealed class InferenceFeed : IObserver<SignalChunk>
{
    private readonly SessionDevice _device;
    private readonly WindowClock _clock;
    private readonly Func<double> _arrivedAt;
    private readonly SessionMetrics _metrics;

    public InferenceFeed(SessionDevice device, WindowClock clock, Func<double> arrivedAt, SessionMetrics metrics)
    {
        _device = device;
        _clock = clock;
        _arrivedAt = arrivedAt;
        _metrics = metrics;
    }

    public void OnNext(SignalChunk value)
    {
        _device.Input.Append(value.Values);
        var arrived = _arrivedAt();
        var timestamps = value.Timestamps;
        for (var i = 0; i < timestamps.Length; i++)
        {
            if (_clock.Step(timestamps[i], value.NominalRate) == WindowEnd.Window)
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
