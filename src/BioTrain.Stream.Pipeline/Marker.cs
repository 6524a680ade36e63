namespace BioTrain.Stream.Pipeline;

/// <summary>An event from a marker stream (type 'Markers', irregular rate): its LSL timestamp (clock-corrected upstream) and its string.</summary>
public readonly record struct Marker(double Timestamp, string Value);
