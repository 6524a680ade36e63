using BioTrain.Stream.Daemon.Sessions;

namespace BioTrain.Stream.Daemon.Live;

/// <summary>
/// What the status page shows of a session beyond <see cref="SessionStatus"/>: the signal's last
/// seconds, recent probabilities, latency, drops, the device and the rounds so far.
/// </summary>
public sealed record LiveSnapshot(
    string StateWords,
    IReadOnlyList<string> Classes,
    LiveSignal? Signal,
    IReadOnlyList<LivePrediction> Predictions,
    double PredictionsPerSecond,
    LiveLatency Latency,
    LiveDrops Dropped,
    LiveDevice Device,
    IReadOnlyList<RoundRecord> Rounds);

/// <summary>The preprocessed input's last seconds: channel labels, points per second, one trace per channel.</summary>
public sealed record LiveSignal(IReadOnlyList<string> Channels, double PointsPerSecond, IReadOnlyList<LiveTrace> Traces);

/// <summary>A channel's points as thousandths of <paramref name="Scale"/> (its largest magnitude): small to send, enough to draw.</summary>
public sealed record LiveTrace(float Scale, short[] Values);

/// <summary>A published prediction: seconds before the snapshot, the class, its probabilities, end-to-end latency.</summary>
public sealed record LivePrediction(double Age, int Predicted, float[] Probabilities, double LatencyMs);

/// <summary>Over the recent predictions, in milliseconds (null: none yet).</summary>
public sealed record LiveLatency(double? LastMs, double? MedianMs, double? P99Ms, double? HostMedianMs, double? DeviceMedianMs);

public sealed record LiveDrops(long Total, long Deadline, long Overflow, long Device);

/// <summary>
/// The device: up or not, its memory plan for the model (bytes; null before it is loaded),
/// instructions counted (0 where the device does not count them), energy estimated by GAP9 model E1.
/// </summary>
public sealed record LiveDevice(
    bool Up,
    long? PeakBytes,
    long? NaiveBytes,
    long? RingBytes,
    long? WeightBytes,
    long? Parameters,
    long Instructions,
    double EstimatedEnergyMillijoules,
    long TrainingSamples,
    long Restores);
