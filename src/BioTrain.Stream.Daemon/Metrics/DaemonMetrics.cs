using Prometheus;

namespace BioTrain.Stream.Daemon.Metrics;

/// <summary>
/// Every metric the daemon exports, in its own registry (no process-wide state, so several daemons
/// can live in one test process). Names follow Prometheus conventions: base units (seconds,
/// bytes, joules, watts), <c>_total</c> for counters. Device power and energy carry a
/// <c>source</c> label: <c>estimated</c> from the GAP9 model of protocol/SPEC.md section 8, or
/// <c>measured</c> where a board reports it.
/// </summary>
public sealed class DaemonMetrics
{
    private static readonly double[] LatencyBuckets = [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5];
    private static readonly double[] RequestBuckets = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30];

    public DaemonMetrics()
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var f = Prometheus.Metrics.WithCustomRegistry(Registry);
        InputSamples = f.CreateCounter("biotrain_input_samples_total", "Samples received per input stream.", "session", "stream");
        InputDropped = f.CreateCounter("biotrain_input_dropped_samples_total", "Samples lost on input: inlet buffer overflow or gaps in timestamps.", "session", "stream");
        InputRate = f.CreateGauge("biotrain_input_rate_hz", "Sampling rate of an input stream: nominal, or effective (measured over the last seconds).", "session", "stream", "kind");
        ClockOffset = f.CreateGauge("biotrain_clock_offset_seconds", "LSL time correction of an input stream (local minus remote clock).", "session", "stream");
        StreamUp = f.CreateGauge("biotrain_stream_up", "1 while an input stream is connected.", "session", "stream");
        StreamReconnects = f.CreateCounter("biotrain_stream_reconnects_total", "Times an input stream was lost and recovered.", "session", "stream");
        Windows = f.CreateCounter("biotrain_windows_total", "Windows cut by the pipeline (inference and labelled epochs).", "session", "kind");
        Gaps = f.CreateCounter("biotrain_input_gaps_total", "Gaps detected from timestamps; windows spanning them are dropped.", "session");
        DeviceRequest = f.CreateHistogram("biotrain_device_request_seconds", "Device request round trip by operation.", new HistogramConfiguration { LabelNames = ["session", "operation"], Buckets = RequestBuckets });
        TrainingSamples = f.CreateCounter("biotrain_training_samples_total", "Samples trained on the device.", "session");
        TrainingRate = f.CreateGauge("biotrain_training_samples_per_second", "Training throughput of the last calibration or adaptation round, host-measured.", "session");
        DevicePower = f.CreateGauge("biotrain_device_power_watts", "Device power while training (source=estimated, model=E1: GAP9 estimate model E1 of protocol/SPEC.md section 8, not a measurement).", "session", "source", "model");
        DeviceEnergy = f.CreateCounter("biotrain_device_energy_joules_total", "Device energy spent on batches (source=estimated, model=E1: GAP9 estimate model E1 of protocol/SPEC.md section 8, not a measurement).", "session", "source", "model");
        DeviceInstructions = f.CreateCounter("biotrain_device_instructions_total", "Instructions retired on the device in batches (virtual GAP9: exact RV32 counts; 0 where not counted).", "session");
        DevicePeakMemory = f.CreateGauge("biotrain_device_peak_memory_bytes", "Planned peak memory of the loaded model on the device.", "session");
        DeviceUp = f.CreateGauge("biotrain_device_up", "1 while the device answers.", "session");
        DeviceRestores = f.CreateCounter("biotrain_device_restores_total", "Times the device was lost and restored (model and weights re-uploaded).", "session");
        SessionState = f.CreateGauge("biotrain_session_state", "1 for the session's current state.", "session", "state");
        CalibrationAccuracy = f.CreateGauge("biotrain_calibration_accuracy_ratio", "Held-out accuracy after the last calibration or adaptation round.", "session");
        Predictions = f.CreateCounter("biotrain_predictions_total", "Predictions published.", "session");
        EndToEndLatency = f.CreateHistogram("biotrain_end_to_end_latency_seconds", "From the last input sample of a window (LSL time) to its prediction being pushed.", new HistogramConfiguration { LabelNames = ["session"], Buckets = LatencyBuckets });
        PipelineLatency = f.CreateHistogram("biotrain_pipeline_latency_seconds", "End-to-end latency less the device's predict request: what the host adds.", new HistogramConfiguration { LabelNames = ["session"], Buckets = LatencyBuckets });
        DroppedWindows = f.CreateCounter("biotrain_dropped_windows_total", "Predictions dropped: past their deadline (reason=deadline), the queue full (overflow), failed on the device (device), or their window overlapped bad input (bad_input).", "session", "reason");
        PredictionGap = f.CreateGauge("biotrain_prediction_gap_seconds", "Time since the previous prediction was published, at each prediction; its maximum is the longest blackout.", "session");
        InputBadSamples = f.CreateCounter("biotrain_input_bad_samples_total", "Input values that were NaN, infinite or beyond input.maxAbsValue, per channel: replaced before the filters; windows and epochs overlapping them are dropped.", "session", "stream", "channel");
        DroppedEpochs = f.CreateCounter("biotrain_dropped_epochs_total", "Labelled epochs not used for training: their span overlapped bad input (reason=bad_input).", "session", "reason");
        InputSourceConflicts = f.CreateCounter("biotrain_input_source_conflicts_total", "Streams that match a session's query but come from another source than the one it is bound to; not followed unless input.followNewSources.", "session");
        DeviceConnectFailures = f.CreateCounter("biotrain_device_connect_failures_total", "Failed attempts to open or restore the device (retried for ever, with capped backoff).", "session");
        PersistFailures = f.CreateCounter("biotrain_persist_failures_total", "Saves of adapted weights refused (non-finite weights) or failed (state directory read-only or full); the previous version stays.", "session");
        Rollbacks = f.CreateCounter("biotrain_rollbacks_total", "Adaptation rounds undone because held-out accuracy collapsed; the previous weights were restored.", "session");
        LinkBytes = f.CreateCounter("biotrain_device_link_bytes_total", "Frame bytes on the device link (header and payload), by direction.", "session", "direction");
    }

    public CollectorRegistry Registry { get; }

    public Counter InputBadSamples { get; }

    public Counter DroppedEpochs { get; }

    public Counter InputSourceConflicts { get; }

    public Counter DeviceConnectFailures { get; }

    public Counter PersistFailures { get; }

    public Counter Rollbacks { get; }

    public Counter InputSamples { get; }

    public Counter InputDropped { get; }

    public Gauge InputRate { get; }

    public Gauge ClockOffset { get; }

    public Gauge StreamUp { get; }

    public Counter StreamReconnects { get; }

    public Counter Windows { get; }

    public Counter Gaps { get; }

    public Histogram DeviceRequest { get; }

    public Counter TrainingSamples { get; }

    public Gauge TrainingRate { get; }

    public Gauge DevicePower { get; }

    public Counter DeviceEnergy { get; }

    public Counter DeviceInstructions { get; }

    public Gauge DevicePeakMemory { get; }

    public Gauge DeviceUp { get; }

    public Counter DeviceRestores { get; }

    public Gauge SessionState { get; }

    public Gauge CalibrationAccuracy { get; }

    public Counter Predictions { get; }

    public Histogram EndToEndLatency { get; }

    public Histogram PipelineLatency { get; }

    public Counter DroppedWindows { get; }

    public Gauge PredictionGap { get; }

    public Counter LinkBytes { get; }

    /// <summary>The text exposition format, for /metrics.</summary>
    public async Task ExportAsync(System.IO.Stream output, CancellationToken cancellationToken) =>
        await Registry.CollectAndExportAsTextAsync(output, cancellationToken).ConfigureAwait(false);
}
