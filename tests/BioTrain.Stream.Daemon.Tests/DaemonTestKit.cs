namespace BioTrain.Stream.Daemon.Tests;

/// <summary>What the daemon's end-to-end tests share: a machine-scope LSL configuration and a polling wait.</summary>
internal static class DaemonTestKit
{
    /// <summary>An lsl_api.cfg in <paramref name="dir"/>: loopback only, IPv6 off, ports from <paramref name="portBlock"/>.</summary>
    public static string WriteLslConfig(string dir, int portBlock)
    {
        var file = Path.Combine(dir, "lsl_api.cfg");
        File.WriteAllText(file, $"[ports]\nIPv6 = disable\nMulticastPort = {portBlock}\nBasePort = {portBlock + 1}\nPortRange = 48\n[multicast]\nResolveScope = machine\nListenAddress = 127.0.0.1\n");
        return file;
    }

    /// <summary>Polls <paramref name="condition"/> every 200 ms; fails with <paramref name="what"/> and the state when the time is up.</summary>
    public static async Task Until(Func<bool> condition, TimeSpan timeout, string what, Func<object>? state = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}: {state?.Invoke()}");
            await Task.Delay(200);
        }
    }
}
