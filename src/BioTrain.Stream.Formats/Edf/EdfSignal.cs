namespace BioTrain.Stream.Formats.Edf;

/// <summary>One ordinary (non-annotation) signal with its samples in physical units.</summary>
public sealed class EdfSignal
{
    internal EdfSignal(int index, EdfSignalHeader header, double recordDuration, double[] samples)
    {
        Index = index;
        Header = header;
        SampleRate = recordDuration > 0 ? header.SamplesPerRecord / recordDuration : 0;
        Samples = samples;
    }

    /// <summary>Position among all the file's signals (annotation signals included).</summary>
    public int Index { get; }

    public EdfSignalHeader Header { get; }

    public string Label => Header.Label;

    public string Unit => Header.PhysicalDimension;

    /// <summary>Samples per second: samples per record / record duration.</summary>
    public double SampleRate { get; }

    /// <summary>All samples in physical units (digital · gain + offset), records concatenated.</summary>
    public double[] Samples { get; }

    public override string ToString() => $"{Label} ({Unit}, {SampleRate} Hz, {Samples.Length} samples)";
}
