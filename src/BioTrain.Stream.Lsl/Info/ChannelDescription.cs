namespace BioTrain.Stream.Lsl.Info;

/// <summary>One <c>desc/channels/channel</c> entry: label, unit and type (the XDF meta-data convention).</summary>
public sealed record ChannelDescription(string Label, string Unit, string Type);
