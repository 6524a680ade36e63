namespace BioTrain.Stream.Formats.Edf;

/// <summary>The fixed header of an EDF/EDF+/BDF file.</summary>
public sealed record EdfHeader
{
    public required EdfVariant Variant { get; init; }
    public string PatientId { get; init; } = "";
    public string RecordingId { get; init; } = "";

    /// <summary>Start of the recording (local time of the recording site, as the format stores it).</summary>
    public DateTime StartTime { get; init; }

    public int HeaderBytes { get; init; }
    public string Reserved { get; init; } = "";

    /// <summary>Data records in the file (a header's -1, "unknown", is replaced by the count the file holds).</summary>
    public int RecordCount { get; init; }

    /// <summary>Seconds per data record (may be fractional, e.g. 0.256).</summary>
    public double RecordDuration { get; init; }

    /// <summary>All signals, annotation signals included, in file order.</summary>
    public required IReadOnlyList<EdfSignalHeader> Signals { get; init; }

    /// <summary>Bytes of one data record.</summary>
    public int RecordBytes => Signals.Sum(s => s.SamplesPerRecord) * Variant.SampleBytes();
}
