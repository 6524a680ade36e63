using BioTrain.Stream.Lsl.Discovery;
using BioTrain.Stream.Lsl.Info;

namespace BioTrain.Stream.Lsl.Tests;

public class QueryMatcherTests
{
    private static QueryMatcher Matcher()
    {
        var info = new StreamInfo("BioSemi", "EEG", 4, 512, ChannelFormat.Float32, "bs-01")
            .AddChannels([new("Fz", "uV", "EEG"), new("Cz", "uV", "EEG"), new("Pz", "uV", "EEG"), new("Oz", "uV", "EEG")]);
        info.Hostname = "lab-pc";
        info.SessionId = "default";
        return new QueryMatcher(info.ToFullInfoXml(), 100, 4096);
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("name='BioSemi'", true)]
    [InlineData("session_id='default' and type='EEG'", true)]
    [InlineData("source_id='bs-01' and hostname='lab-pc'", true)]
    [InlineData("type='EMG' or name='BioSemi'", true)]
    [InlineData("not(type='EMG')", true)]
    [InlineData("channel_count>2 and nominal_srate>=512", true)]
    [InlineData("count(desc/channels/channel)=4", true)]
    [InlineData("desc/channels/channel[label='Cz']", true)]
    [InlineData("starts-with(name,'Bio')", true)]
    [InlineData("name='Other'", false)]
    [InlineData("channel_count<2", false)]
    [InlineData("session_id='rig2' and name='BioSemi'", false)]
    [InlineData("name=", false)]
    [InlineData("))((", false)]
    public void Predicates_evaluate_like_xpath_booleans(string predicate, bool expected) =>
        Assert.Equal(expected, Matcher().Matches(predicate));

    [Fact]
    public void Deep_nesting_and_oversized_queries_match_nothing_instead_of_overflowing()
    {
        var nested = string.Concat(Enumerable.Repeat("(", 10000)) + "true()" + string.Concat(Enumerable.Repeat(")", 10000));
        Assert.False(Matcher().Matches(nested));
        Assert.False(Matcher().Matches("name='BioSemi' or " + new string('x', 5000)));
        Assert.True(QueryMatcher.IsWithinLimits("((name='a'))", 100));
        Assert.True(QueryMatcher.IsWithinLimits("name='((((((((((((((((((((((((((((((((((((((('", 100));
    }
}
