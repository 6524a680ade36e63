using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using BioTrain.Stream.Lsl.Config;

namespace BioTrain.Stream.Lsl.Info;

/// <summary>
/// Writes stream info XML byte-for-byte as liblsl (pugixml's default save: tab indents, LF, <c>&lt;x /&gt;</c>
/// for empty elements) and reads it back with liblsl's validation rules, bounded against hostile input.
/// </summary>
internal static class StreamInfoXml
{
    private const int MaxDepth = 64;

    public static string Write(StreamInfo info, bool includeDesc)
    {
        var sb = new StringBuilder(includeDesc ? 1024 : 640);
        sb.Append("<?xml version=\"1.0\"?>\n<info>\n");
        Field(sb, "name", info.Name);
        Field(sb, "type", info.Type);
        Field(sb, "channel_count", Int(info.ChannelCount));
        Field(sb, "channel_format", info.ChannelFormat.ToLslName());
        Field(sb, "source_id", info.SourceId);
        Field(sb, "nominal_srate", LslNumberFormat.G16ShowPoint(info.NominalSrate));
        Field(sb, "version", LslNumberFormat.G16ShowPoint(info.Version / 100.0));
        Field(sb, "created_at", LslNumberFormat.G16ShowPoint(info.CreatedAt));
        Field(sb, "uid", info.Uid);
        Field(sb, "session_id", info.SessionId);
        Field(sb, "hostname", info.Hostname);
        Field(sb, "v4address", info.V4Address);
        Field(sb, "v4data_port", Int(info.V4DataPort));
        Field(sb, "v4service_port", Int(info.V4ServicePort));
        Field(sb, "v6address", info.V6Address);
        Field(sb, "v6data_port", Int(info.V6DataPort));
        Field(sb, "v6service_port", Int(info.V6ServicePort));
        if (includeDesc)
        {
            WriteElement(sb, info.Desc, 1);
        }
        else
        {
            sb.Append("\t<desc />\n");
        }

        sb.Append("</info>\n");
        return sb.ToString();
    }

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static void Field(StringBuilder sb, string name, string value)
    {
        sb.Append('\t').Append('<').Append(name).Append('>');
        EscapeText(sb, value);
        sb.Append("</").Append(name).Append(">\n");
    }

    private static void WriteElement(StringBuilder sb, XElement element, int depth)
    {
        sb.Append('\t', depth).Append('<').Append(element.Name.LocalName);
        foreach (var attribute in element.Attributes())
        {
            sb.Append(' ').Append(attribute.Name.LocalName).Append("=\"");
            EscapeAttribute(sb, attribute.Value);
            sb.Append('"');
        }

        var nodes = element.Nodes().Where(n => n is XText or XElement).ToList();
        if (nodes.Count == 0)
        {
            // pugixml prints an element with no children as <x />, but one with an empty text child as <x></x>.
            sb.Append(element.IsEmpty ? " />\n" : "></" + element.Name.LocalName + ">\n");
            return;
        }

        if (nodes.All(n => n is XText))
        {
            sb.Append('>');
            EscapeText(sb, string.Concat(nodes.Cast<XText>().Select(t => t.Value)));
            sb.Append("</").Append(element.Name.LocalName).Append(">\n");
            return;
        }

        sb.Append(">\n");
        foreach (var node in nodes)
        {
            if (node is XElement child)
            {
                WriteElement(sb, child, depth + 1);
            }
            else if (node is XText text && !string.IsNullOrWhiteSpace(text.Value))
            {
                sb.Append('\t', depth + 1);
                EscapeText(sb, text.Value);
                sb.Append('\n');
            }
        }

        sb.Append('\t', depth).Append("</").Append(element.Name.LocalName).Append(">\n");
    }

    private static void EscapeText(StringBuilder sb, string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case < ' ' and not ('\t' or '\r' or '\n'):
                    sb.Append("&#").Append(((int)c).ToString(CultureInfo.InvariantCulture)).Append(';');
                    break;
                default: sb.Append(c); break;
            }
        }
    }

    private static void EscapeAttribute(StringBuilder sb, string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case < ' ':
                    sb.Append("&#").Append(((int)c).ToString(CultureInfo.InvariantCulture)).Append(';');
                    break;
                default: sb.Append(c); break;
            }
        }
    }

    /// <summary>Parses XML from a peer: no DTDs, bounded size and depth.</summary>
    public static XDocument ParseDocument(string xml, LslConfig limits)
    {
        if (xml.Length > limits.MaxXmlBytes)
        {
            throw new LslProtocolException(LslProtocolError.XmlTooLarge, $"stream info of {xml.Length} characters exceeds {limits.MaxXmlBytes}");
        }

        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = limits.MaxXmlBytes,
            MaxCharactersFromEntities = 1024,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
        };
        try
        {
            using var text = new StringReader(xml.TrimStart());
            using var reader = XmlReader.Create(text, settings);
            // pugixml accepts leading whitespace before the declaration; XmlReader does not.
            var doc = XDocument.Load(reader, LoadOptions.PreserveWhitespace);
            if (doc.Root is not null && Depth(doc.Root) > MaxDepth)
            {
                throw new LslProtocolException(LslProtocolError.InvalidStreamInfo, $"XML nested deeper than {MaxDepth}");
            }

            return doc;
        }
        catch (XmlException e)
        {
            throw new LslProtocolException(LslProtocolError.InvalidStreamInfo, "malformed XML: " + e.Message, e);
        }
    }

    private static int Depth(XElement root)
    {
        var max = 0;
        var stack = new Stack<(XElement Element, int Depth)>();
        stack.Push((root, 1));
        while (stack.Count > 0)
        {
            var (element, depth) = stack.Pop();
            max = Math.Max(max, depth);
            if (depth > MaxDepth)
            {
                return depth;
            }

            foreach (var child in element.Elements())
            {
                stack.Push((child, depth + 1));
            }
        }

        return max;
    }

    public static StreamInfo Read(string xml, LslConfig limits)
    {
        var doc = ParseDocument(xml, limits);
        var root = doc.Root;
        if (root is null || root.Name.LocalName != "info")
        {
            throw Invalid("the root element is not <info>");
        }

        var name = Text(root, "name");
        if (name.Length == 0)
        {
            throw Invalid("empty name");
        }

        if (!long.TryParse(Text(root, "channel_count").Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var channels) || channels < 0)
        {
            throw Invalid("channel_count is not an integer >= 0");
        }

        if (channels > limits.MaxChannelCount)
        {
            throw new LslProtocolException(LslProtocolError.ChannelCountOutOfRange, $"channel_count {channels} exceeds {limits.MaxChannelCount}");
        }

        var srate = ParseDouble(Text(root, "nominal_srate"), "nominal_srate");
        if (srate < 0 || !double.IsFinite(srate))
        {
            throw Invalid("nominal_srate must be >= 0");
        }

        if (!ChannelFormatExtensions.TryParseLslName(Text(root, "channel_format").Trim(), out var format))
        {
            throw Invalid($"unknown channel_format '{Text(root, "channel_format")}'");
        }

        var version = (int)Math.Round(ParseDouble(Text(root, "version"), "version") * 100.0);
        if (version <= 0)
        {
            throw Invalid("version must be > 0");
        }

        var createdAt = ParseDouble(Text(root, "created_at"), "created_at");
        var uid = Text(root, "uid");
        if (uid.Length == 0)
        {
            throw Invalid("empty uid");
        }

        var info = StreamInfo.CreateEmpty();
        info.SetCoreFields(name, Text(root, "type"), (int)channels, srate, format, Text(root, "source_id"));
        info.Version = version;
        info.CreatedAt = createdAt;
        info.Uid = uid;
        info.SessionId = Text(root, "session_id");
        info.Hostname = Text(root, "hostname");
        info.V4Address = Text(root, "v4address");
        info.V4DataPort = Port(root, "v4data_port");
        info.V4ServicePort = Port(root, "v4service_port");
        info.V6Address = Text(root, "v6address");
        info.V6DataPort = Port(root, "v6data_port");
        info.V6ServicePort = Port(root, "v6service_port");
        var desc = root.Element("desc");
        info.SetDesc(desc is null ? new XElement("desc") : new XElement(desc));
        return info;
    }

    private static LslProtocolException Invalid(string why) => new(LslProtocolError.InvalidStreamInfo, why);

    private static string Text(XElement root, string name) => root.Element(name)?.Value ?? string.Empty;

    private static double ParseDouble(string text, string field) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Invalid($"{field} '{Truncate(text)}' is not a number");

    private static int Port(XElement root, string name)
    {
        var element = root.Element(name) ?? throw Invalid($"missing <{name}>");
        return int.TryParse(element.Value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var port) && port is >= 0 and <= 65535
            ? port
            : throw Invalid($"<{name}> is not a port number");
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
