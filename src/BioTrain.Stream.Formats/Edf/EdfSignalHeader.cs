namespace BioTrain.Stream.Formats.Edf;

/// <summary>One signal's header fields, with the digital-to-physical scaling derived from them.</summary>
public sealed record EdfSignalHeader
{
    public required string Label { get; init; }
    public string TransducerType { get; init; } = "";

    /// <summary>The physical unit, e.g. <c>uV</c>.</summary>
    public string PhysicalDimension { get; init; } = "";

    public double PhysicalMinimum { get; init; }
    public double PhysicalMaximum { get; init; }
    public int DigitalMinimum { get; init; }
    public int DigitalMaximum { get; init; }
    public string Prefiltering { get; init; } = "";
    public int SamplesPerRecord { get; init; }
    public string Reserved { get; init; } = "";

    /// <summary>An <c>EDF Annotations</c> / <c>BDF Annotations</c> signal (EDF+ TALs, not samples).</summary>
    public bool IsAnnotation => Label is "EDF Annotations" or "BDF Annotations";

    /// <summary>Physical units per digital step.</summary>
    public double Gain => (PhysicalMaximum - PhysicalMinimum) / (DigitalMaximum - DigitalMinimum);

    /// <summary>physical = digital · Gain + Offset.</summary>
    public double Offset => PhysicalMaximum - (Gain * DigitalMaximum);
}
