namespace BioTrain.Stream.Formats.Edf;

/// <summary>A read EDF/EDF+/BDF file: header, signals in physical units, annotations and record start times.</summary>
public sealed class EdfRecording
{
    internal EdfRecording(EdfHeader header, IReadOnlyList<EdfSignal> signals, IReadOnlyList<EdfAnnotation> annotations,
        double[] recordOnsets, IReadOnlyList<string> warnings)
    {
        Header = header;
        Signals = signals;
        Annotations = annotations;
        RecordOnsets = recordOnsets;
        Warnings = warnings;
    }

    public EdfHeader Header { get; }

    /// <summary>Ordinary signals (annotation signals are decoded into <see cref="Annotations"/>).</summary>
    public IReadOnlyList<EdfSignal> Signals { get; }

    /// <summary>All annotations of all annotation signals, by onset (time-keeping entries excluded).</summary>
    public IReadOnlyList<EdfAnnotation> Annotations { get; }

    /// <summary>Start of each data record, seconds from <see cref="EdfHeader.StartTime"/>: from the time-keeping annotations in EDF+/BDF+, else k · duration.</summary>
    public IReadOnlyList<double> RecordOnsets { get; }

    /// <summary>Oddities that did not stop reading (e.g. bytes after the last record).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Seconds covered by the records (record count · duration; gaps of EDF+D excluded).</summary>
    public double RecordedSeconds => Header.RecordCount * Header.RecordDuration;

    /// <summary>The time of every sample of <paramref name="signal"/>, seconds from the start, record onsets included.</summary>
    public double[] SampleTimes(EdfSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        var perRecord = signal.Header.SamplesPerRecord;
        var times = new double[signal.Samples.Length];
        var step = Header.RecordDuration / Math.Max(perRecord, 1);
        for (var record = 0; record < RecordOnsets.Count; record++)
        {
            var onset = RecordOnsets[record];
            for (var i = 0; i < perRecord; i++)
            {
                times[(record * perRecord) + i] = onset + (i * step);
            }
        }
        return times;
    }

    public EdfSignal? FindSignal(string label) => Signals.FirstOrDefault(s => s.Label == label);
}
