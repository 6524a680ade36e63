namespace BioTrain.Stream.Device.Client;

/// <summary>How a <see cref="DeviceClient"/> behaves on its link.</summary>
public sealed record DeviceClientOptions
{
    /// <summary>How long a request waits for its answer before <see cref="DeviceTimeoutException"/>.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest payload the host accepts from the device, announced in HELLO.</summary>
    public int MaxPayload { get; init; } = 1 << 20;

    /// <summary>Who the host is, announced in HELLO.</summary>
    public string HostName { get; init; } = $"biotrain {typeof(DeviceClientOptions).Assembly.GetName().Version?.ToString(3) ?? "0"}";
}
