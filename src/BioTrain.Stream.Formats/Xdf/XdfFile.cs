namespace BioTrain.Stream.Formats.Xdf;

/// <summary>Everything read from an XDF file, and what was wrong with it.</summary>
public sealed class XdfFile
{
    internal XdfFile(string? fileHeaderXml, IReadOnlyList<XdfStream> streams, IReadOnlyList<XdfProblem> problems)
    {
        FileHeaderXml = fileHeaderXml;
        Streams = streams;
        Problems = problems;
        var root = fileHeaderXml is null ? null : XdfXml.TryParseRoot(fileHeaderXml);
        Version = root is null ? null : XdfXml.Text(root, "version");
    }

    /// <summary>The FileHeader XML, or null when the file has none.</summary>
    public string? FileHeaderXml { get; }

    /// <summary><c>info/version</c> of the file header (e.g. "1.0").</summary>
    public string? Version { get; }

    /// <summary>Streams in the order their headers appear.</summary>
    public IReadOnlyList<XdfStream> Streams { get; }

    /// <summary>Damage and oddities found; empty for a clean, properly closed file.</summary>
    public IReadOnlyList<XdfProblem> Problems { get; }

    public XdfStream? FindStream(uint streamId) => Streams.FirstOrDefault(s => s.StreamId == streamId);

    /// <summary>The first stream with this name, or null.</summary>
    public XdfStream? FindStream(string name) => Streams.FirstOrDefault(s => s.Info.Name == name);
}
