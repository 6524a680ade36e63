using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace BioTrain.Stream.Formats.Xdf;

/// <summary>Small helpers for the XML of XDF headers and footers (invariant numbers, no DTDs).</summary>
internal static class XdfXml
{
    private static readonly XmlReaderSettings SafeSettings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersFromEntities = 1024,
    };

    /// <summary>Parses XML text; a null result means it is not well-formed.</summary>
    public static XElement? TryParseRoot(string xml)
    {
        try
        {
            using var text = new StringReader(xml);
            using var reader = XmlReader.Create(text, SafeSettings);
            return XDocument.Load(reader).Root;
        }
        catch (XmlException)
        {
            return null;
        }
    }

    public static string Text(XElement? parent, string name) => parent?.Element(name)?.Value.Trim() ?? "";

    public static bool TryDouble(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    public static bool TryLong(string text, out long value) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    public static double? OptionalDouble(XElement? parent, string name) =>
        TryDouble(Text(parent, name), out var value) ? value : null;

    /// <summary>Round-trippable invariant text of a double.</summary>
    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The XML text with the declaration LSL and LabRecorder write.</summary>
    public static string WithDeclaration(XElement root) =>
        "<?xml version=\"1.0\"?>\n" + root.ToString(SaveOptions.None);
}
