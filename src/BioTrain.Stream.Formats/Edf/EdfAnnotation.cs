namespace BioTrain.Stream.Formats.Edf;

/// <summary>An EDF+ annotation: an event with onset (seconds from the recording start), optional duration and text.</summary>
public sealed record EdfAnnotation(double Onset, double? Duration, string Text);
