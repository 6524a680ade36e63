using BioTrain.Stream.Lsl.Config;

namespace BioTrain.Stream.Lsl.Tests;

public class ConfigTests
{
    [Fact]
    public void Defaults_are_liblsls()
    {
        var d = LslConfig.Default;
        Assert.Equal((16571, 16572, 32, true, IPv6Mode.Allow), (d.MulticastPort, d.BasePort, d.PortRange, d.AllowRandomPorts, d.IPv6));
        Assert.Equal(ResolveScope.Site, d.ResolveScope);
        Assert.Equal("default", d.SessionId);
        Assert.Equal(24, d.MulticastTtl);
        Assert.Equal(
            ["127.0.0.1", "255.255.255.255", "224.0.0.1", "224.0.0.183", "FF02:113D:6FDD:2C17:A643:FFE2:1BD1:3CD2", "239.255.172.215", "FF05:113D:6FDD:2C17:A643:FFE2:1BD1:3CD2"],
            d.ResolveAddresses);
        Assert.Equal((0.5, 3.0, 0.75, 5.0), (d.MulticastMinRtt, d.MulticastMaxRtt, d.UnicastMinRtt, d.UnicastMaxRtt));
        Assert.Equal((2.0, 6, 8, 0.064, 0.128), (d.TimeUpdateInterval, d.TimeUpdateMinProbes, d.TimeProbeCount, d.TimeProbeInterval, d.TimeProbeMaxRtt));
        Assert.Equal((15.0, 15.0, 90.0), (d.WatchdogCheckInterval, d.WatchdogTimeThreshold, d.SmoothingHalftime));
    }

    [Fact]
    public void A_config_file_sets_every_section()
    {
        const string text = """
            ; lab rig 2
            [ports]
            MulticastPort = 26571
            BasePort = 26572
            PortRange = 8
            AllowRandomPorts = false
            IPv6 = disable
            [multicast]
            ResolveScope = machine
            ListenAddress = 127.0.0.1
            [lab]
            KnownPeers = {10.0.0.5, amp-host}
            SessionID = rig2
            [tuning]
            UseProtocolVersion = 100
            WatchdogTimeThreshold = 2.5
            TimeProbeCount = 10
            ForceDefaultTimestamps = true
            [log]
            level = -2
            """;
        var c = LslConfig.Parse(text);
        Assert.Equal((26571, 26572, 8, false, IPv6Mode.Disable), (c.MulticastPort, c.BasePort, c.PortRange, c.AllowRandomPorts, c.IPv6));
        Assert.Equal(ResolveScope.Machine, c.ResolveScope);
        Assert.Equal(["127.0.0.1"], c.ResolveAddresses);
        Assert.Equal(0, c.MulticastTtl);
        Assert.Equal(["10.0.0.5", "amp-host"], c.KnownPeers);
        Assert.Equal("rig2", c.SessionId);
        Assert.Equal(100, c.UseProtocolVersion);
        Assert.Equal(2.5, c.WatchdogTimeThreshold);
        Assert.Equal(10, c.TimeProbeCount);
        Assert.True(c.ForceDefaultTimestamps);
    }

    [Fact]
    public void Scopes_add_their_groups_and_overrides_replace_them()
    {
        var link = LslConfig.Parse("[multicast]\nResolveScope = link\n");
        Assert.Equal(["127.0.0.1", "255.255.255.255", "224.0.0.1", "224.0.0.183", "FF02:113D:6FDD:2C17:A643:FFE2:1BD1:3CD2"], link.ResolveAddresses);
        Assert.Equal(1, link.MulticastTtl);
        var global = LslConfig.Parse("[multicast]\nResolveScope = global\nGlobalAddresses = {239.1.2.3}\n");
        Assert.Equal(255, global.MulticastTtl);
        Assert.Contains("239.1.2.3", global.ResolveAddresses);
        Assert.Contains("FF0E:113D:6FDD:2C17:A643:FFE2:1BD1:3CD2", global.ResolveAddresses);
        var over = LslConfig.Parse("[multicast]\nAddressesOverride = {127.0.0.1}\nTTLOverride = 3\n");
        Assert.Equal(["127.0.0.1"], over.ResolveAddresses);
        Assert.Equal(3, over.MulticastTtl);
        Assert.Empty(LslConfig.Parse("[lab]\nKnownPeers = not-a-set\n").KnownPeers);
    }

    [Theory]
    [InlineData("[ports]\nIPv6 = maybe\n")]
    [InlineData("[multicast]\nResolveScope = universe\n")]
    [InlineData("[ports\nBasePort = 1\n")]
    [InlineData("[ports]\nBasePort\n")]
    [InlineData("[ports]\nBasePort = \n")]
    [InlineData("[ports]\nBasePort = 1\nBasePort = 2\n")]
    [InlineData("[ports]\nBasePort = 70000\n")]
    [InlineData("[ports]\nBasePort = twelve\n")]
    [InlineData("[tuning]\nTimeProbeInterval = -1\n")]
    [InlineData("[ports]\nAllowRandomPorts = perhaps\n")]
    [InlineData("[log]\nlevel = 12\n")]
    public void Wrong_config_is_a_typed_error(string text) =>
        Assert.Throws<LslConfigException>(() => LslConfig.Parse(text));

    [Fact]
    public void The_environment_file_wins_and_a_missing_one_is_an_error()
    {
        var dir = Directory.CreateTempSubdirectory("lslcfg");
        try
        {
            var path = Path.Combine(dir.FullName, "lsl_api.cfg");
            File.WriteAllText(path, "[lab]\nSessionID = from-env\n");
            Assert.Equal(path, LslConfigLoader.SearchPath(path)[0]);
            Assert.Equal("lsl_api.cfg", LslConfigLoader.SearchPath(null)[0]);
            Assert.EndsWith("/etc/lsl_api/lsl_api.cfg", LslConfigLoader.SearchPath(null)[^1], StringComparison.Ordinal);
            Assert.Equal("from-env", LslConfigLoader.Load(path).SessionId);
            Assert.Equal(path, LslConfigLoader.Load(path).Origin);
            Assert.Throws<LslConfigException>(() => LslConfigLoader.Load(Path.Combine(dir.FullName, "missing.cfg")));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
