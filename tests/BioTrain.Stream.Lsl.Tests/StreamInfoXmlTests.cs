using System.Reflection;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Info;

namespace BioTrain.Stream.Lsl.Tests;

public class StreamInfoXmlTests
{
    // Captured from a liblsl 1.16.2 outlet (lsl-protocol.md §2.1).
    private const string CapturedShortInfo =
        "<?xml version=\"1.0\"?>\n<info>\n\t<name>TestStream</name>\n\t<type>EEG</type>\n\t<channel_count>3</channel_count>\n" +
        "\t<channel_format>float32</channel_format>\n\t<source_id>src123</source_id>\n\t<nominal_srate>10.00000000000000</nominal_srate>\n" +
        "\t<version>1.100000000000000</version>\n\t<created_at>475.9214894050000</created_at>\n\t<uid>1f952ab9-570f-42f3-a598-67703c85cf3d</uid>\n" +
        "\t<session_id>default</session_id>\n\t<hostname>vm</hostname>\n\t<v4address></v4address>\n\t<v4data_port>16572</v4data_port>\n" +
        "\t<v4service_port>16572</v4service_port>\n\t<v6address></v6address>\n\t<v6data_port>0</v6data_port>\n\t<v6service_port>0</v6service_port>\n" +
        "\t<desc />\n</info>\n";

    private static StreamInfo CapturedInfo()
    {
        var info = new StreamInfo("TestStream", "EEG", 3, 10, ChannelFormat.Float32, "src123")
        {
        };
        info.CreatedAt = 475.921489405;
        info.Uid = "1f952ab9-570f-42f3-a598-67703c85cf3d";
        info.Hostname = "vm";
        info.SessionId = "default";
        info.V4DataPort = 16572;
        info.V4ServicePort = 16572;
        return info;
    }

    [Fact]
    public void Shortinfo_is_byte_exact_with_the_liblsl_capture() =>
        Assert.Equal(CapturedShortInfo, CapturedInfo().ToShortInfoXml());

    [Fact]
    public void Captured_shortinfo_parses_to_its_fields()
    {
        var info = StreamInfo.FromXml(CapturedShortInfo);
        Assert.Equal("TestStream", info.Name);
        Assert.Equal("EEG", info.Type);
        Assert.Equal(3, info.ChannelCount);
        Assert.Equal(ChannelFormat.Float32, info.ChannelFormat);
        Assert.Equal("src123", info.SourceId);
        Assert.Equal(10.0, info.NominalSrate);
        Assert.Equal(110, info.Version);
        Assert.Equal(475.921489405, info.CreatedAt);
        Assert.Equal(16572, info.V4DataPort);
        Assert.Equal(CapturedShortInfo, info.ToShortInfoXml());
    }

    [Fact]
    public void Fullinfo_carries_channel_labels_units_and_types()
    {
        var info = CapturedInfo().AddChannels([new("Cz", "microvolts", "EEG"), new("Pz", "microvolts", "EEG"), new("Oz", "microvolts", "EEG")]);
        info.Desc.Add(new System.Xml.Linq.XElement("manufacturer", "BioTrain & Co <test>"));
        var xml = info.ToFullInfoXml();
        Assert.Contains("\t<desc>\n\t\t<channels>\n\t\t\t<channel>\n\t\t\t\t<label>Cz</label>\n\t\t\t\t<unit>microvolts</unit>\n\t\t\t\t<type>EEG</type>\n\t\t\t</channel>\n", xml, StringComparison.Ordinal);
        Assert.Contains("<manufacturer>BioTrain &amp; Co &lt;test&gt;</manufacturer>", xml, StringComparison.Ordinal);
        var back = StreamInfo.FromXml(xml);
        Assert.Equal(["Cz", "Pz", "Oz"], back.GetChannels().Select(c => c.Label));
        Assert.Equal("microvolts", back.GetChannels()[1].Unit);
        Assert.Equal(xml, back.ToFullInfoXml());
    }

    [Theory]
    [InlineData(ChannelFormat.Float32, "float32")]
    [InlineData(ChannelFormat.Double64, "double64")]
    [InlineData(ChannelFormat.String, "string")]
    [InlineData(ChannelFormat.Int32, "int32")]
    [InlineData(ChannelFormat.Int16, "int16")]
    [InlineData(ChannelFormat.Int8, "int8")]
    [InlineData(ChannelFormat.Int64, "int64")]
    public void Every_channel_format_round_trips(ChannelFormat format, string name)
    {
        var info = new StreamInfo("S", "T", 2, 0, format, "x");
        var xml = info.ToShortInfoXml();
        Assert.Contains($"<channel_format>{name}</channel_format>", xml, StringComparison.Ordinal);
        Assert.Contains("<nominal_srate>0.000000000000000</nominal_srate>", xml, StringComparison.Ordinal);
        var back = StreamInfo.FromXml(xml);
        Assert.Equal(format, back.ChannelFormat);
        Assert.True(back.IsIrregular);
    }

    [Theory]
    [InlineData("<name>TestStream</name>", "<name></name>")]
    [InlineData("<channel_count>3</channel_count>", "<channel_count>-1</channel_count>")]
    [InlineData("<channel_count>3</channel_count>", "<channel_count>three</channel_count>")]
    [InlineData("<channel_format>float32</channel_format>", "<channel_format>float16</channel_format>")]
    [InlineData("<nominal_srate>10.00000000000000</nominal_srate>", "<nominal_srate>-5</nominal_srate>")]
    [InlineData("<version>1.100000000000000</version>", "<version>0</version>")]
    [InlineData("<uid>1f952ab9-570f-42f3-a598-67703c85cf3d</uid>", "<uid></uid>")]
    [InlineData("<v4data_port>16572</v4data_port>", "")]
    [InlineData("<v6data_port>0</v6data_port>", "<v6data_port>70000</v6data_port>")]
    public void Invalid_fields_are_rejected_like_liblsl(string field, string replacement)
    {
        var e = Assert.Throws<LslProtocolException>(() => StreamInfo.FromXml(CapturedShortInfo.Replace(field, replacement, StringComparison.Ordinal)));
        Assert.Equal(LslProtocolError.InvalidStreamInfo, e.Reason);
    }

    [Fact]
    public void Hostile_xml_is_rejected_with_typed_errors()
    {
        var dtd = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><info><name>&a;</name></info>";
        Assert.Equal(LslProtocolError.InvalidStreamInfo, Assert.Throws<LslProtocolException>(() => StreamInfo.FromXml(dtd)).Reason);

        var deep = "<info>" + string.Concat(Enumerable.Repeat("<a>", 200)) + string.Concat(Enumerable.Repeat("</a>", 200)) + "</info>";
        Assert.Equal(LslProtocolError.InvalidStreamInfo, Assert.Throws<LslProtocolException>(() => StreamInfo.FromXml(deep)).Reason);

        var huge = CapturedShortInfo.Replace("<desc />", "<desc>" + new string('x', 5000) + "</desc>", StringComparison.Ordinal);
        var small = LslConfig.Default with { MaxXmlBytes = 2048 };
        Assert.Equal(LslProtocolError.XmlTooLarge, Assert.Throws<LslProtocolException>(() => StreamInfo.FromXml(huge, small)).Reason);

        var manyChannels = CapturedShortInfo.Replace("<channel_count>3<", "<channel_count>2000000000<", StringComparison.Ordinal);
        Assert.Equal(LslProtocolError.ChannelCountOutOfRange, Assert.Throws<LslProtocolException>(() => StreamInfo.FromXml(manyChannels)).Reason);

        Assert.Equal(LslProtocolError.InvalidStreamInfo, Assert.Throws<LslProtocolException>(() => StreamInfo.FromXml("<info><name>")).Reason);
    }
}
