namespace BioTrain.Stream.Device.Client;

/// <summary>What happened on a link so far; read by metrics and by tests.</summary>
public sealed class DeviceLinkCounters
{
    private long _framesSent;
    private long _framesReceived;
    private long _framesRejected;
    private long _deviceErrors;
    private long _timeouts;
    private long _staleResponses;
    private long _retransmissions;
    private long _bytesSent;
    private long _bytesReceived;

    public long FramesSent => Interlocked.Read(ref _framesSent);

    public long FramesReceived => Interlocked.Read(ref _framesReceived);

    /// <summary>Frames from the device that failed validation (bad CRC, framing, length, ...).</summary>
    public long FramesRejected => Interlocked.Read(ref _framesRejected);

    /// <summary>ERROR frames the device sent.</summary>
    public long DeviceErrors => Interlocked.Read(ref _deviceErrors);

    public long Timeouts => Interlocked.Read(ref _timeouts);

    /// <summary>Responses that arrived for no waiting request (late after a timeout, or unsolicited).</summary>
    public long StaleResponses => Interlocked.Read(ref _staleResponses);

    /// <summary>Requests sent again after a timeout or a damaged frame.</summary>
    public long Retransmissions => Interlocked.Read(ref _retransmissions);

    /// <summary>Frame bytes sent (header and payload; COBS adds about 0.4 % and 2 bytes a frame on the wire).</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Frame bytes received from the device, as <see cref="BytesSent"/>.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    internal void Retransmitted() => Interlocked.Increment(ref _retransmissions);

    internal void Sent(int frameBytes)
    {
        Interlocked.Increment(ref _framesSent);
        Interlocked.Add(ref _bytesSent, frameBytes);
    }

    internal void Received(int frameBytes)
    {
        Interlocked.Increment(ref _framesReceived);
        Interlocked.Add(ref _bytesReceived, frameBytes);
    }

    internal void Rejected() => Interlocked.Increment(ref _framesRejected);

    internal void DeviceError() => Interlocked.Increment(ref _deviceErrors);

    internal void Timeout() => Interlocked.Increment(ref _timeouts);

    internal void Stale() => Interlocked.Increment(ref _staleResponses);
}
