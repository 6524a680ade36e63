using BioTrain.Stream.Daemon.Sessions;
using BioTrain.Stream.Device.Protocol;
using BioTrain.Stream.Device.Protocol.Messages;
using Prometheus;

namespace BioTrain.Stream.Daemon.Metrics;

/// <summary>
/// One session's children of the daemon's metrics, looked up once (prometheus-net finds a child by
/// its label values on every WithLabels; a hot path should not).
/// </summary>
public sealed class SessionMetrics
{
    private readonly DaemonMetrics _all;
    private readonly string _session;
    private readonly Histogram.Child?[] _requests = new Histogram.Child?[256];
    private SessionState? _state;

    public SessionMetrics(DaemonMetrics all, string session)
    {
        ArgumentNullException.ThrowIfNull(all);
        _all = all;
        _session = session;
        EpochWindows = all.Windows.WithLabels(session, "epoch");
        InferenceWindows = all.Windows.WithLabels(session, "inference");
        Predictions = all.Predictions.WithLabels(session);
        EndToEndLatency = all.EndToEndLatency.WithLabels(session);
        PipelineLatency = all.PipelineLatency.WithLabels(session);
        PredictionGap = all.PredictionGap.WithLabels(session);
        DroppedForDeadline = all.DroppedWindows.WithLabels(session, "deadline");
        DroppedForOverflow = all.DroppedWindows.WithLabels(session, "overflow");
        DroppedOnDevice = all.DroppedWindows.WithLabels(session, "device");
        DroppedForBadInput = all.DroppedWindows.WithLabels(session, "bad_input");
        EpochsDroppedForBadInput = all.DroppedEpochs.WithLabels(session, "bad_input");
        SourceConflicts = all.InputSourceConflicts.WithLabels(session);
        DeviceConnectFailures = all.DeviceConnectFailures.WithLabels(session);
        PersistFailures = all.PersistFailures.WithLabels(session);
        Rollbacks = all.Rollbacks.WithLabels(session);
        TrainingSamples = all.TrainingSamples.WithLabels(session);
        TrainingRate = all.TrainingRate.WithLabels(session);
        DeviceInstructions = all.DeviceInstructions.WithLabels(session);
        // The device's figures are estimate model E1 (SPEC.md 8); the labels say so.
        DeviceEnergy = all.DeviceEnergy.WithLabels(session, "estimated", "E1");
        DevicePower = all.DevicePower.WithLabels(session, "estimated", "E1");
        DevicePeakMemory = all.DevicePeakMemory.WithLabels(session);
        DeviceUp = all.DeviceUp.WithLabels(session);
        DeviceRestores = all.DeviceRestores.WithLabels(session);
        CalibrationAccuracy = all.CalibrationAccuracy.WithLabels(session);
        Gaps = all.Gaps.WithLabels(session);
        LinkBytesSent = all.LinkBytes.WithLabels(session, "sent");
        LinkBytesReceived = all.LinkBytes.WithLabels(session, "received");
    }

    public Counter.Child EpochWindows { get; }

    public Counter.Child InferenceWindows { get; }

    public Counter.Child Predictions { get; }

    public Histogram.Child EndToEndLatency { get; }

    public Histogram.Child PipelineLatency { get; }

    public Gauge.Child PredictionGap { get; }

    public Counter.Child DroppedForDeadline { get; }

    public Counter.Child DroppedForBadInput { get; }

    public Counter.Child EpochsDroppedForBadInput { get; }

    public Counter.Child SourceConflicts { get; }

    public Counter.Child DeviceConnectFailures { get; }

    public Counter.Child PersistFailures { get; }

    public Counter.Child Rollbacks { get; }

    public Counter.Child DroppedForOverflow { get; }

    public Counter.Child DroppedOnDevice { get; }

    public Counter.Child TrainingSamples { get; }

    public Gauge.Child TrainingRate { get; }

    public Counter.Child DeviceInstructions { get; }

    public Counter.Child DeviceEnergy { get; }

    public Gauge.Child DevicePower { get; }

    public Gauge.Child DevicePeakMemory { get; }

    public Gauge.Child DeviceUp { get; }

    public Counter.Child DeviceRestores { get; }

    public Gauge.Child CalibrationAccuracy { get; }

    public Counter.Child Gaps { get; }

    public Counter.Child LinkBytesSent { get; }

    public Counter.Child LinkBytesReceived { get; }

    /// <summary>The round-trip histogram of one request type, looked up once per type.</summary>
    public Histogram.Child DeviceRequest(MessageType type) =>
        _requests[(byte)type] ??= _all.DeviceRequest.WithLabels(_session, type.ToString());

    /// <summary>Per-stream children (the stream's name is known once its inlet is open).</summary>
    public StreamMetrics ForStream(string stream) => new(_all, _session, stream);

    /// <summary>Sets the state gauge: 1 for the new state, 0 for the old one.</summary>
    public void State(SessionState state)
    {
        if (_state is { } old)
        {
            _all.SessionState.WithLabels(_session, old.ToString()).Set(0);
        }

        _all.SessionState.WithLabels(_session, state.ToString()).Set(1);
        _state = state;
    }

    /// <summary>Device work of a batch or a prediction: instructions, estimated energy and power (GAP9 model E1).</summary>
    public void DeviceWork(ulong instructions, uint estimatedEnergyMicrojoules, ulong estimatedCycles)
    {
        DeviceInstructions.Inc(instructions);
        var joules = estimatedEnergyMicrojoules / 1e6;
        DeviceEnergy.Inc(joules);
        var seconds = estimatedCycles / Device.Diagnostics.Gap9Estimate.ClockHz;
        if (seconds > 0)
        {
            DevicePower.Set(joules / seconds);
        }
    }

    public void Batch(BatchResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        DeviceWork(result.Instructions, result.EstimatedEnergyMicrojoules, result.EstimatedCycles);
    }
}

/// <summary>One input stream's children.</summary>
public sealed class StreamMetrics
{
    private readonly Counter _badSamples;
    private readonly string _session;
    private readonly string _stream;

    public StreamMetrics(DaemonMetrics all, string session, string stream)
    {
        ArgumentNullException.ThrowIfNull(all);
        Samples = all.InputSamples.WithLabels(session, stream);
        NominalRate = all.InputRate.WithLabels(session, stream, "nominal");
        EffectiveRate = all.InputRate.WithLabels(session, stream, "effective");
        Up = all.StreamUp.WithLabels(session, stream);
        Reconnects = all.StreamReconnects.WithLabels(session, stream);
        ClockOffset = all.ClockOffset.WithLabels(session, stream);
        _badSamples = all.InputBadSamples;
        _session = session;
        _stream = stream;
    }

    /// <summary>The bad-sample counter of one channel (by its label, or its index when unlabelled).</summary>
    public Counter.Child BadSamples(string channel) => _badSamples.WithLabels(_session, _stream, channel);

    public Counter.Child Samples { get; }

    public Gauge.Child NominalRate { get; }

    public Gauge.Child EffectiveRate { get; }

    public Gauge.Child Up { get; }

    public Counter.Child Reconnects { get; }

    public Gauge.Child ClockOffset { get; }
}
