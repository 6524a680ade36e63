namespace BioTrain.Stream.Device.Client;

/// <summary>How a <see cref="DeviceClient"/> behaves on its link.</summary>
public sealed record DeviceClientOptions
{
    /// <summary>
    /// How long one request may take in all, retransmissions included, before the device is
    /// reported lost (<see cref="DeviceLostException"/>) or the request timed out
    /// (<see cref="DeviceTimeoutException"/>, when the device did send something).
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>First retransmission timeout; it doubles with each attempt, and grows with the measured round trip.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Attempts per request; 1 turns retransmission off, so every link fault surfaces as a typed error.</summary>
    public int MaxAttempts { get; init; } = 8;

    /// <summary>The largest payload the host accepts from the device, announced in HELLO.</summary>
    public int MaxPayload { get; init; } = 1 << 20;

    /// <summary>Smallest chunk the host shrinks to on a noisy link.</summary>
    public int MinChunk { get; init; } = 256;

    /// <summary>
    /// Chunk size to start with. It doubles after every 8 requests answered at the first attempt
    /// (up to the device's max_payload) and halves on every retransmission, so a clean link soon
    /// uses whole frames and a noisy one settles on frames short enough to arrive intact.
    /// </summary>
    public int InitialChunk { get; init; } = 1024;

    /// <summary>Who the host is, announced in HELLO.</summary>
    public string HostName { get; init; } = $"biotrain {typeof(DeviceClientOptions).Assembly.GetName().Version?.ToString(3) ?? "0"}";

    /// <summary>Called after each request with its type, round-trip time (retransmissions included) and success; for metrics.</summary>
    public Action<Protocol.MessageType, TimeSpan, bool>? RequestCompleted { get; init; }
}
