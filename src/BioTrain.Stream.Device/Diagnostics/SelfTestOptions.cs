namespace BioTrain.Stream.Device.Diagnostics;

/// <summary>What <see cref="SelfTest"/> sends.</summary>
public sealed record SelfTestOptions
{
    /// <summary>Number of PINGs; their payload sizes are spread evenly from 0 to the maximum.</summary>
    public int Count { get; init; } = 1000;

    /// <summary>Seed of the payload bytes and of the order the sizes are sent in.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Largest payload; default the device's max_payload.</summary>
    public int? MaxPayload { get; init; }
}
