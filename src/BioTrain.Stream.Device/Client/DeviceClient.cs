using System.Buffers;
using System.Diagnostics;
using BioTrain.Stream.Device.Protocol;
using BioTrain.Stream.Device.Protocol.Messages;
using BioTrain.Stream.Device.Transport;

namespace BioTrain.Stream.Device.Client;

/// <summary>
/// The host end of one device link: numbers requests, matches responses by sequence number, keeps
/// within the device's credit and payload limits, and turns every failure into a typed
/// <see cref="DeviceException"/>. A failed request leaves the client usable; only a lost link closes it.
/// </summary>
public sealed class DeviceClient : IAsyncDisposable
{
    private readonly IDeviceTransport _transport;
    private readonly DeviceClientOptions _options;
    private readonly FrameReader _reader;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly SemaphoreSlim _credit = new(1);
    private readonly Lock _gate = new();
    private readonly Dictionary<ushort, PendingRequest> _pending = [];
    private readonly CancellationTokenSource _stop = new();
    private Task _receiveLoop = Task.CompletedTask;
    private ushort _lastSeq;
    private long _issued;
    private bool _sentFirstFrame;
    private DeviceException? _closedBecause;
    private Capabilities? _capabilities;
    private long _lastValidFrame;
    private long _srttTicks;
    private int _chunk;
    private int _cleanStreak;

    private DeviceClient(IDeviceTransport transport, DeviceClientOptions options)
    {
        _transport = transport;
        _options = options;
        _reader = new FrameReader(transport.Input, options.MaxPayload, expectedVersion: null);
    }

    public DeviceLinkCounters Counters { get; } = new();

    /// <summary>What the device reported in the handshake.</summary>
    public Capabilities Capabilities => _capabilities ?? throw new InvalidOperationException("handshake not done");

    public string Description => _transport.Description;

    /// <summary>Largest payload a request may carry right now.</summary>
    public int MaxRequestPayload => (int)Math.Min(_capabilities?.MaxPayload ?? ProtocolVersion.MinimumMaxPayload, int.MaxValue);

    /// <summary>
    /// The chunk size bulk transfers should use now (see <see cref="DeviceClientOptions.InitialChunk"/>):
    /// halved after each retransmission, since a short frame is likelier to arrive intact, and
    /// doubled after a run of clean requests.
    /// </summary>
    public int ChunkSize => Math.Clamp(Volatile.Read(ref _chunk), Math.Min(_options.MinChunk, MaxRequestPayload), MaxRequestPayload);

    /// <summary>Opens the link: HELLO, then CAPABILITIES (or a typed refusal).</summary>
    public static async Task<DeviceClient> ConnectAsync(IDeviceTransport transport, DeviceClientOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transport);
        var client = new DeviceClient(transport, options ?? new DeviceClientOptions());
        client._receiveLoop = Task.Run(client.ReceiveLoopAsync, CancellationToken.None);
        try
        {
            await client.HandshakeAsync(cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sends a PING and checks that the PONG echoes it byte for byte; returns the round-trip time.</summary>
    public async Task<TimeSpan> PingAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        using var pong = await RequestAsync(MessageType.Ping, payload, cancellationToken).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(start);
        var echo = pong.Payload;
        if (!echo.SequenceEqual(payload.Span))
        {
            var at = echo.CommonPrefixLength(payload.Span);
            throw new DeviceProtocolException($"PONG of {echo.Length} bytes differs from the PING of {payload.Length} bytes at byte {at}");
        }

        return elapsed;
    }

    /// <summary>
    /// Sends a request and returns its response frame (dispose it). Retransmits (same seq, so the
    /// device never executes it twice) on a timeout or a damaged frame, up to
    /// <see cref="DeviceClientOptions.MaxAttempts"/> within <see cref="DeviceClientOptions.RequestTimeout"/>.
    /// An ERROR answer becomes a <see cref="DeviceErrorException"/>; a response of the wrong type a
    /// <see cref="DeviceProtocolException"/>; silence a <see cref="DeviceLostException"/>.
    /// </summary>
    public async Task<ReceivedFrame> RequestAsync(MessageType type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        if (payload.Length > MaxRequestPayload)
        {
            throw new ArgumentOutOfRangeException(nameof(payload), payload.Length, $"payload exceeds the device's max_payload of {MaxRequestPayload} bytes");
        }

        await _credit.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var pending = new PendingRequest(type);
            ushort seq;
            lock (_gate)
            {
                ThrowIfClosed();
                seq = NextSeq();
                pending.Order = ++_issued;
                _pending[seq] = pending;
            }

            var started = Stopwatch.GetTimestamp();
            var ok = false;
            try
            {
                var frame = await ExchangeAsync(pending, type, seq, payload, cancellationToken).ConfigureAwait(false);
                ok = true;
                return frame;
            }
            finally
            {
                lock (_gate)
                {
                    _pending.Remove(seq);
                }

                _options.RequestCompleted?.Invoke(type, Stopwatch.GetElapsedTime(started), ok);
            }
        }
        finally
        {
            _credit.Release();
        }
    }

    private async Task<ReceivedFrame> ExchangeAsync(PendingRequest pending, MessageType type, ushort seq, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var deadline = started + (long)(_options.RequestTimeout.TotalSeconds * Stopwatch.Frequency);
        var timeout = RetransmissionTimeout();
        DeviceException? lastFault = null;
        var attempts = 0;
        while (attempts < Math.Max(1, _options.MaxAttempts))
        {
            var remaining = deadline - Stopwatch.GetTimestamp();
            if (remaining <= 0)
            {
                break;
            }

            attempts++;
            var nudge = pending.Arm();
            var flags = attempts > 1 ? FrameFlagBits.Retransmit : FrameFlagBits.None;
            if (attempts > 1)
            {
                Counters.Retransmitted();
                ShrinkChunk();
            }

            await SendAsync(new FrameHeader(ProtocolVersion.FrameVersion, type, flags, seq, 0, 0), payload, cancellationToken).ConfigureAwait(false);
            var wait = TimeSpan.FromSeconds(Math.Min(timeout.TotalSeconds, (double)remaining / Stopwatch.Frequency));
            using var delayCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(wait, delayCancel.Token);
            var done = await Task.WhenAny(pending.Completion.Task, nudge, delay).ConfigureAwait(false);
            await delayCancel.CancelAsync().ConfigureAwait(false);
            if (done == pending.Completion.Task)
            {
                var frame = await pending.Completion.Task.ConfigureAwait(false);
                if (attempts == 1)
                {
                    RecordRoundTrip(Stopwatch.GetTimestamp() - started);
                }

                return Interpret(type, frame);
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (done == nudge)
            {
                lastFault = await nudge.ConfigureAwait(false); // damaged answer: send again at once
            }
            else
            {
                timeout *= 2;
            }
        }

        var silent = Volatile.Read(ref _lastValidFrame) < started;
        if (lastFault is not null && attempts >= _options.MaxAttempts)
        {
            throw lastFault;
        }

        Counters.Timeout();
        var what = $"{type} (seq {seq}) got no valid answer from {_transport.Description} in {attempts} attempt{(attempts == 1 ? "" : "s")} over {Stopwatch.GetElapsedTime(started).TotalSeconds:0.###} s";
        if (silent)
        {
            throw new DeviceLostException($"device lost: {what}", lastFault ?? new DeviceTimeoutException(what));
        }

        throw lastFault is null ? new DeviceTimeoutException(what) : new DeviceTimeoutException(what, lastFault);
    }

    private TimeSpan RetransmissionTimeout()
    {
        var srtt = TimeSpan.FromTicks(Volatile.Read(ref _srttTicks));
        return srtt * 4 > _options.AttemptTimeout ? srtt * 4 : _options.AttemptTimeout;
    }

    private void RecordRoundTrip(long stopwatchTicks)
    {
        var ticks = (long)(stopwatchTicks * (TimeSpan.TicksPerSecond / (double)Stopwatch.Frequency));
        var old = Volatile.Read(ref _srttTicks);
        Volatile.Write(ref _srttTicks, old == 0 ? ticks : ((old * 7) + ticks) / 8);
        if (++_cleanStreak >= 8)
        {
            _cleanStreak = 0;
            Volatile.Write(ref _chunk, (int)Math.Min((long)Volatile.Read(ref _chunk) * 2, MaxRequestPayload));
        }
    }

    private void ShrinkChunk()
    {
        _cleanStreak = 0;
        Volatile.Write(ref _chunk, Math.Max(_options.MinChunk, Math.Min(Volatile.Read(ref _chunk), MaxRequestPayload) / 2));
    }

    private async Task HandshakeAsync(CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        new Hello(ProtocolVersion.Major, ProtocolVersion.Minor, (uint)_options.MaxPayload, _options.HostName).Encode(buffer);
        ReceivedFrame frame;
        try
        {
            frame = await RequestAsync(MessageType.Hello, buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }
        catch (DeviceErrorException e) when (e.Code == DeviceErrorCode.VersionMismatch)
        {
            throw new ProtocolVersionMismatchException(e.DeviceText, $"{_transport.Description} refused the handshake: {e.DeviceText}");
        }

        using (frame)
        {
            var caps = Capabilities.Decode(frame.Payload);
            if (caps.ProtocolMajor != ProtocolVersion.Major)
            {
                throw new ProtocolVersionMismatchException(
                    string.Empty,
                    $"protocol version mismatch: device {caps.ProtocolMajor}.{caps.ProtocolMinor}, host {ProtocolVersion.Major}.{ProtocolVersion.Minor}");
            }

            _capabilities = caps;
            _chunk = (int)Math.Min(caps.MaxPayload, (uint)Math.Max(_options.MinChunk, _options.InitialChunk));
            if (caps.RxCredit > 1)
            {
                _credit.Release(caps.RxCredit - 1);
            }
        }
    }

    private static ReceivedFrame Interpret(MessageType request, ReceivedFrame frame)
    {
        var type = frame.Header.Type;
        if (type == MessageTypes.ResponseTo(request))
        {
            return frame;
        }

        using (frame)
        {
            if (type == MessageType.Error)
            {
                var error = ErrorMessage.Decode(frame.Payload);
                throw new DeviceErrorException(error.Code, error.Text, $"device refused {request}: {error.Code.SpecName()}: {error.Text}");
            }

            throw new DeviceProtocolException($"device answered {request} with message type 0x{(byte)type:X2}");
        }
    }

    private async Task SendAsync(FrameHeader header, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            FrameWriter.Write(_transport.Output, header, payload.Span, leadingDelimiter: !_sentFirstFrame);
            _sentFirstFrame = true;
            var flushed = await _transport.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (flushed.IsCompleted)
            {
                throw Close(new DeviceDisconnectedException($"{_transport.Description} stopped accepting data"));
            }

            Counters.Sent(FrameHeader.Overhead + payload.Length);
        }
        catch (IOException e)
        {
            throw Close(new DeviceDisconnectedException($"lost the link to {_transport.Description}: {e.Message}", e));
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (true)
            {
                var read = await _reader.ReadAsync(_stop.Token).ConfigureAwait(false);
                if (read.EndOfStream)
                {
                    Close(new DeviceLostException($"device lost: {_transport.Description} closed the link"));
                    return;
                }

                if (read.Frame is { } frame)
                {
                    Counters.Received(FrameHeader.Overhead + frame.Payload.Length);
                    Volatile.Write(ref _lastValidFrame, Stopwatch.GetTimestamp());
                    Dispatch(frame);
                }
                else
                {
                    Counters.Rejected();
                    var error = read.Rejection.Error;
                    NudgeOldest(new DeviceProtocolException(error, $"received a frame from {_transport.Description} that fails validation: {error.SpecName()}"));
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            Close(new DeviceDisconnectedException("the client was disposed"));
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            Close(new DeviceDisconnectedException($"lost the link to {_transport.Description}: {e.Message}", e));
        }
    }

    private void Dispatch(ReceivedFrame frame)
    {
        var header = frame.Header;
        if (header.Type == MessageType.Error)
        {
            Counters.DeviceError();
        }

        if (header.Version != ProtocolVersion.FrameVersion && header.Type != MessageType.Error)
        {
            frame.Dispose();
            FailOldest(new DeviceProtocolException(DeviceErrorCode.VersionMismatch, $"device sent a protocol-{header.Version} frame; this host speaks {ProtocolVersion.Major}"));
            return;
        }

        if ((header.Flags & FrameFlagBits.Unsolicited) != 0 || header.Seq == 0)
        {
            using (frame)
            {
                if (header.Type == MessageType.Error)
                {
                    // The device could not read one of our frames, so it cannot name the request.
                    var error = ErrorMessage.Decode(frame.Payload);
                    NudgeOldest(new DeviceErrorException(error.Code, error.Text, $"device rejected a frame: {error.Code.SpecName()}: {error.Text}"));
                }
                else
                {
                    Counters.Stale();
                }
            }

            return;
        }

        PendingRequest? pending;
        lock (_gate)
        {
            _pending.TryGetValue(header.Seq, out pending);
        }

        if (pending is not null && header.Type == MessageType.Error && IsLinkFault(frame))
        {
            // The device read our header but not the frame (e.g. a damaged length): send it again.
            using (frame)
            {
                var error = ErrorMessage.Decode(frame.Payload);
                pending.Nudge(new DeviceErrorException(error.Code, error.Text, $"device rejected a frame: {error.Code.SpecName()}: {error.Text}"));
            }

            return;
        }

        if (pending is null || !pending.Completion.TrySetResult(frame))
        {
            Counters.Stale();
            frame.Dispose();
        }
    }

    private static bool IsLinkFault(ReceivedFrame errorFrame)
    {
        var code = (DeviceErrorCode)System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(errorFrame.Payload);
        return code is DeviceErrorCode.BadFraming or DeviceErrorCode.BadCrc or DeviceErrorCode.FrameTooLarge or DeviceErrorCode.BadLength;
    }

    private void NudgeOldest(DeviceException reason) => Oldest()?.Nudge(reason);

    private void FailOldest(DeviceException error) => Oldest()?.Completion.TrySetException(error);

    private PendingRequest? Oldest()
    {
        PendingRequest? oldest = null;
        lock (_gate)
        {
            foreach (var p in _pending.Values)
            {
                if (!p.Completion.Task.IsCompleted && (oldest is null || p.Order < oldest.Order))
                {
                    oldest = p;
                }
            }
        }

        return oldest;
    }

    private ushort NextSeq()
    {
        // 0 is kept for unsolicited frames; skip sequence numbers still waiting after a wrap.
        do
        {
            _lastSeq = _lastSeq == ushort.MaxValue ? (ushort)1 : (ushort)(_lastSeq + 1);
        }
        while (_pending.ContainsKey(_lastSeq));
        return _lastSeq;
    }

    private DeviceException Close(DeviceException reason)
    {
        List<PendingRequest> failed;
        lock (_gate)
        {
            _closedBecause ??= reason;
            failed = [.. _pending.Values];
        }

        foreach (var p in failed)
        {
            p.Completion.TrySetException(reason);
        }

        return reason;
    }

    private void ThrowIfClosed()
    {
        var closed = _closedBecause;
        if (closed is not null)
        {
            throw new DeviceDisconnectedException(closed.Message, closed);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _receiveLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        Close(new DeviceDisconnectedException("the client was disposed"));
        await _transport.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
        _sendLock.Dispose();
        _credit.Dispose();
    }

    private sealed class PendingRequest(MessageType type)
    {
        private TaskCompletionSource<DeviceException> _nudge = NewNudge();

        public MessageType Type { get; } = type;

        public long Order { get; set; }

        public TaskCompletionSource<ReceivedFrame> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>A fresh signal for this attempt: completes when a damaged answer calls for sending again.</summary>
        public Task<DeviceException> Arm()
        {
            var next = NewNudge();
            Volatile.Write(ref _nudge, next);
            return next.Task;
        }

        public void Nudge(DeviceException reason) => Volatile.Read(ref _nudge).TrySetResult(reason);

        private static TaskCompletionSource<DeviceException> NewNudge() => new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
