namespace BioTrain.Stream.Formats.Xdf;

/// <summary>One ClockOffset measurement of a stream.</summary>
/// <param name="CollectionTime">When it was measured, in the stream's (remote) clock, seconds.</param>
/// <param name="Value">Local minus remote clock, seconds: add it to a stream timestamp to get recorder time.</param>
public readonly record struct XdfClockOffset(double CollectionTime, double Value);
