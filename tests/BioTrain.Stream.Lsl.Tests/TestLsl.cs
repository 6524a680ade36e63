using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Discovery;
using BioTrain.Stream.Lsl.Info;
using BioTrain.Stream.Lsl.Inlet;
using BioTrain.Stream.Lsl.Outlet;

namespace BioTrain.Stream.Lsl.Tests;

/// <summary>
/// Configs for tests: machine scope, IPv4 only, sockets on 127.0.0.1, and a port block of its own per
/// test so parallel tests (and any real LSL on this host) never see each other. Timings are shortened.
/// </summary>
internal static class TestLsl
{
    private const int FirstPort = 20000; // below the ephemeral range (32768+), so no outgoing connection takes them
    private const int BlockSize = 12;
    private static int _block = Environment.ProcessId % 300;

    public static LslConfig NewConfig()
    {
        var block = Interlocked.Increment(ref _block) % 1000;
        var multicast = FirstPort + (block * BlockSize);
        return LslConfig.MachineOnly(multicast, multicast + 1, BlockSize - 1) with
        {
            MulticastMinRtt = 0.1,
            TimeProbeInterval = 0.01,
            TimeProbeMaxRtt = 0.05,
            TimeUpdateInterval = 0.3,
            RecoveryDelay = 0.1,
            WatchdogCheckInterval = 1.0,
            WatchdogTimeThreshold = 3.0,
            HandshakeTimeout = 5.0,
        };
    }

    /// <summary>Generous upper bound that only guards against hangs; never a timing assertion.</summary>
    public const double Patience = 20.0;

    public static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(Patience)).Token;

    /// <summary>An outlet of 8 float32 channels at 1 kHz named <paramref name="name"/>, and an open inlet it counts as a consumer.</summary>
    public static async Task<(StreamOutlet Outlet, StreamInlet Inlet)> OpenPairAsync(string name)
    {
        var config = NewConfig();
        var outlet = new StreamOutlet(new StreamInfo(name, "EEG", 8, 1000, ChannelFormat.Float32, name.ToLowerInvariant()), config: config);
        StreamInlet? inlet = null;
        try
        {
            var found = await StreamResolver.ResolveByPropertyAsync("name", name, 1, Patience, config, Timeout());
            inlet = new StreamInlet(Assert.Single(found), config: config);
            await inlet.OpenStreamAsync(Patience, Timeout());
            Assert.True(await outlet.WaitForConsumersAsync(TimeSpan.FromSeconds(Patience)));
            return (outlet, inlet);
        }
        catch
        {
            if (inlet is not null)
            {
                await inlet.DisposeAsync();
            }

            outlet.Dispose();
            throw;
        }
    }
}
