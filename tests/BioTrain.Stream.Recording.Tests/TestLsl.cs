using BioTrain.Stream.Lsl.Config;

namespace BioTrain.Stream.Recording.Tests;

/// <summary>
/// LSL settings for these tests: machine scope, IPv4 only, sockets on 127.0.0.1, never multicast or
/// broadcast onto a network. Each test takes a port block of its own in 17000–19999, apart from the LSL
/// tests' 20000–32000 and LSL's defaults (16571–16603), so test assemblies running in parallel never
/// discover each other's streams. Timings are shortened so discovery and recovery take fractions of a second.
/// </summary>
internal static class TestLsl
{
    private const int FirstPort = 17000;
    private const int BlockSize = 12;
    private const int Blocks = 250;
    private static int _block = Environment.ProcessId % Blocks;

    /// <summary>Upper bound that only guards against hangs; never a timing assertion.</summary>
    public const double Patience = 30.0;

    public static LslConfig NewConfig()
    {
        var block = Interlocked.Increment(ref _block) % Blocks;
        var multicast = FirstPort + (block * BlockSize);
        return LslConfig.MachineOnly(multicast, multicast + 1, BlockSize - 1) with
        {
            MulticastMinRtt = 0.1,
            ContinuousResolveInterval = 0.2,
            TimeProbeInterval = 0.01,
            TimeProbeMaxRtt = 0.05,
            TimeUpdateInterval = 0.3,
            RecoveryDelay = 0.1,
            HandshakeTimeout = 5.0,
        };
    }

    /// <summary>The same settings as an lsl_api.cfg file, for a <c>biotrain</c> child process.</summary>
    public static string ToConfigFile(LslConfig config) => $"""
        [ports]
        MulticastPort = {config.MulticastPort}
        BasePort = {config.BasePort}
        PortRange = {config.PortRange}
        IPv6 = disable
        [multicast]
        ResolveScope = machine
        ListenAddress = 127.0.0.1
        [tuning]
        MulticastMinRTT = 0.1
        ContinuousResolveInterval = 0.2
        TimeProbeInterval = 0.01
        TimeProbeMaxRTT = 0.05
        TimeUpdateInterval = 0.3
        """;

    public static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(Patience)).Token;

    /// <summary>Hang guard for a test that starts the CLI as a process: a cold .NET start on a loaded 2-core machine can take tens of seconds.</summary>
    public static CancellationToken ProcessTimeout() => new CancellationTokenSource(TimeSpan.FromSeconds(4 * Patience)).Token;
}
