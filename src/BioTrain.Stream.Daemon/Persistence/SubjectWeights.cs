namespace BioTrain.Stream.Daemon.Persistence;

/// <summary>
/// Adapted weights of one subject, with what they fit: the model architecture (a CRC of its
/// layer table, not of any weights), their own CRC, and how they were obtained.
/// </summary>
public sealed record SubjectWeights(
    string Subject,
    string Model,
    uint ArchitectureCrc,
    uint WeightsCrc,
    int ParameterCount,
    double? CalibrationAccuracy,
    int AdaptationRounds,
    DateTimeOffset SavedAt)
{
    /// <summary>The parameter section, float32 LE (not serialised in the metadata file).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public ReadOnlyMemory<byte> Weights { get; init; }
}
