namespace BioTrain.Stream.Formats.Conversion;

/// <summary>One XDF stream a conversion wrote.</summary>
public sealed record ConvertedStreamSummary(uint StreamId, string Name, string Type, int Channels, double Rate, long Samples);
