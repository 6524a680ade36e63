namespace BioTrain.Stream.Recording;

/// <summary>How <see cref="RecordingLoader"/> turns a file into streams.</summary>
public sealed record RecordingLoadOptions
{
    /// <summary>
    /// XDF: map every stream onto the recorder's clock with its ClockOffset chunks (as importers do), so
    /// streams recorded from several hosts keep their true relative timing. On by default.
    /// </summary>
    public bool ApplyClockOffsets { get; init; } = true;

    /// <summary>EDF/BDF: the signal stream's name (default: the file name without extension).</summary>
    public string? StreamName { get; init; }

    /// <summary>EDF/BDF: the signal stream's type when the EDF+ labels do not name one.</summary>
    public string StreamType { get; init; } = "EEG";

    public static RecordingLoadOptions Default { get; } = new();
}
