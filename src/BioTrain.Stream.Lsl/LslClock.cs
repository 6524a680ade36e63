using System.Diagnostics;

namespace BioTrain.Stream.Lsl;

/// <summary>
/// LSL time: a monotonic clock in seconds. On Linux Stopwatch reads CLOCK_MONOTONIC, the same clock as
/// liblsl's <c>lsl_local_clock()</c>, so timestamps from both agree on one machine.
/// </summary>
public static class LslClock
{
    private static readonly double SecondsPerTick = 1.0 / Stopwatch.Frequency;

    public static double LocalClock() => Stopwatch.GetTimestamp() * SecondsPerTick;
}
