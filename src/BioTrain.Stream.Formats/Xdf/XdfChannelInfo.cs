namespace BioTrain.Stream.Formats.Xdf;

/// <summary>One channel's entry in <c>desc/channels/channel</c> (XDF EEG meta-data convention).</summary>
/// <param name="Label">The channel label, e.g. <c>C3</c>.</param>
/// <param name="Unit">The physical unit, e.g. <c>microvolts</c>; empty when not given.</param>
/// <param name="Type">The content type, e.g. <c>EEG</c>; empty when not given.</param>
public sealed record XdfChannelInfo(string Label, string Unit = "", string Type = "");
