using System.Net;
using System.Net.Sockets;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Discovery;
using BioTrain.Stream.Lsl.Inlet;
using BioTrain.Stream.Lsl.Info;

namespace BioTrain.Stream.Lsl.Tests;

/// <summary>Where discovery would send its queries (computed only; nothing is sent).</summary>
public class ResolveTargetTests
{
    [Fact]
    public void Default_scope_targets_liblsls_addresses_and_sweeps_the_local_port_range()
    {
        var targets = ResolveTarget.Build(LslConfig.Default, AddressFamily.InterNetwork);
        Assert.Contains(targets, t => t.EndPoint.Equals(new IPEndPoint(IPAddress.Loopback, 16571)) && !t.IsMulticast && !t.IsBroadcast);
        Assert.Contains(targets, t => t.EndPoint.Equals(new IPEndPoint(IPAddress.Broadcast, 16571)) && t.IsBroadcast);
        Assert.Contains(targets, t => t.EndPoint.Equals(new IPEndPoint(IPAddress.Parse("239.255.172.215"), 16571)) && t.IsMulticast);
        Assert.Contains(targets, t => t.EndPoint.Equals(new IPEndPoint(IPAddress.Parse("224.0.0.183"), 16571)) && t.IsMulticast);
        var sweep = targets.Where(t => t.EndPoint.Address.Equals(IPAddress.Loopback) && t.EndPoint.Port != 16571).Select(t => t.EndPoint.Port).ToList();
        Assert.Equal(Enumerable.Range(16572, 32), sweep);

        var v6 = ResolveTarget.Build(LslConfig.Default, AddressFamily.InterNetworkV6);
        Assert.Contains(v6, t => t.EndPoint.Address.Equals(IPAddress.Parse("FF02:113D:6FDD:2C17:A643:FFE2:1BD1:3CD2")) && t.IsMulticast);
    }

    [Fact]
    public void Machine_scope_stays_on_loopback_and_known_peers_are_swept()
    {
        var config = LslConfig.MachineOnly(30001, 30002, 4) with { KnownPeers = ["10.1.2.3"] };
        var targets = ResolveTarget.Build(config, AddressFamily.InterNetwork);
        Assert.All(targets, t => Assert.False(t.IsMulticast || t.IsBroadcast));
        Assert.Equal(
            ["127.0.0.1:30001", "127.0.0.1:30002", "127.0.0.1:30003", "127.0.0.1:30004", "127.0.0.1:30005", "10.1.2.3:30002", "10.1.2.3:30003", "10.1.2.3:30004", "10.1.2.3:30005"],
            targets.Select(t => t.EndPoint.ToString()));
    }

    [Fact]
    public void Recovery_query_names_the_streams_identity_without_session()
    {
        var info = new StreamInfo("Amp", "EEG", 32, 500, ChannelFormat.Int16, "serial-9");
        Assert.Equal("channel_count='32' and name='Amp' and type='EEG' and source_id='serial-9' and channel_format='int16'", StreamInlet.RecoveryQuery(info));
        var bare = new StreamInfo("Amp", string.Empty, 1, 0, ChannelFormat.String);
        Assert.Equal("channel_count='1' and name='Amp' and channel_format='string'", StreamInlet.RecoveryQuery(bare));
        info.Hostname = "lab-pc";
        Assert.Equal("channel_count='32' and name='Amp' and type='EEG' and source_id='serial-9' and hostname='lab-pc' and channel_format='int16'", StreamInlet.RecoveryQuery(info, RecoveryIdentity.SourceIdAndHost));
        Assert.Equal("channel_count='32' and name='Amp' and type='EEG' and channel_format='int16'", StreamInlet.RecoveryQuery(info, RecoveryIdentity.NameAndType));
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("x' or '1'='1")]
    [InlineData("say \"hi\"")]
    [InlineData("both ' and \" ' quotes")]
    public void A_source_id_with_quotes_matches_itself_and_nothing_else(string sourceId)
    {
        var own = new StreamInfo("Amp", "EEG", 1, 100, ChannelFormat.Float32, sourceId);
        var other = new StreamInfo("Amp", "EEG", 1, 100, ChannelFormat.Float32, "another-amp");
        var query = StreamInlet.RecoveryQuery(own);
        Assert.True(new QueryMatcher(StreamInfoXml.Write(own, true), 16, 4096).Matches(query), query);
        Assert.False(new QueryMatcher(StreamInfoXml.Write(other, true), 16, 4096).Matches(query), query);
    }
}
