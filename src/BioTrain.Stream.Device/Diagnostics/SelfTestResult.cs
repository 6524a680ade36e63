namespace BioTrain.Stream.Device.Diagnostics;

/// <summary>Round-trip figures of a self-test; times in milliseconds.</summary>
public sealed record SelfTestResult(
    int Pings,
    int MaxPayload,
    long BytesEchoed,
    double MedianMs,
    double P99Ms,
    double MinMs,
    double MaxMs,
    double SmallMedianMs,
    double TotalSeconds)
{
    /// <summary>Payload bytes per second in each direction.</summary>
    public double ThroughputBytesPerSecond => TotalSeconds > 0 ? BytesEchoed / TotalSeconds : 0;
}
