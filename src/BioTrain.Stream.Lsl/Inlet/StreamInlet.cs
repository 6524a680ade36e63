using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Discovery;
using BioTrain.Stream.Lsl.Info;
using BioTrain.Stream.Lsl.Internal;

namespace BioTrain.Stream.Lsl.Inlet;

/// <summary>
/// Receives a stream: connects to the outlet's data feed, checks the test patterns, queues samples in a
/// bounded buffer, and recovers when the outlet goes away (re-resolving by source_id if it restarted).
/// A lost connection is reported at once through <see cref="ConnectionLost"/>, not after a watchdog.
/// </summary>
public sealed class StreamInlet : IDisposable, IAsyncDisposable
{
    // After the first answer that is not the lost uid, wait this long for a second candidate of the same
    // wave (replies on a LAN come within milliseconds) before switching, so an ambiguous identity is noticed.
    private const double RecoverySettleSeconds = 0.02;

    private readonly LslConfig _config;
    private readonly InletBuffer _buffer;
    private readonly int _maxChunkLength;
    private readonly bool _recover;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _sync = new();
    private readonly Lock _processLock = new();
    private readonly TimestampPostProcessor _processor;
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TimeCorrectionClient? _time;
    private Task? _loop;
    private StreamInfo _info;
    private double _lastReceive;
    private int _clockReset;
    private long _lostCount;
    private long _receiveTimeouts;
    private int _disposed;

    /// <param name="info">A resolved stream (from <see cref="StreamResolver"/>).</param>
    /// <param name="maxBufferLength">Seconds of data to buffer (×100 samples for irregular streams).</param>
    /// <param name="maxChunkLength">Preferred chunk size in samples; 0 lets the outlet decide.</param>
    /// <param name="recover">Reconnect and re-resolve when the outlet goes away (needs a source_id).</param>
    public StreamInlet(StreamInfo info, int maxBufferLength = 360, int maxChunkLength = 0, bool recover = true, ProcessingOptions processing = ProcessingOptions.None, LslConfig? config = null)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBufferLength);
        ArgumentOutOfRangeException.ThrowIfNegative(maxChunkLength);
        _config = config ?? LslConfig.Load();
        if (info.ChannelCount > _config.MaxChannelCount || info.ChannelCount <= 0)
        {
            throw new LslProtocolException(LslProtocolError.ChannelCountOutOfRange, $"channel_count {info.ChannelCount} is outside 1..{_config.MaxChannelCount}");
        }

        _info = info.Clone();
        _maxChunkLength = maxChunkLength;
        _recover = recover && info.SourceId.Length > 0;
        var samples = info.IsIrregular ? maxBufferLength * 100.0 : Math.Ceiling(maxBufferLength * info.NominalSrate);
        var budget = info.ChannelFormat == ChannelFormat.String ? 1 << 20 : _config.MaxBufferBytes / Math.Max(1, info.SampleBytes);
        _buffer = new InletBuffer(info.ChannelCount, info.ChannelFormat, (int)Math.Clamp(Math.Min(samples, budget), 1, 1 << 30));
        _processor = new TimestampPostProcessor(processing, info.NominalSrate, _config.SmoothingHalftime, CurrentCorrection, ConsumeClockReset);
    }

    /// <summary>Raised (on a pool thread) as soon as the data connection breaks.</summary>
    public event EventHandler<InletConnectionEventArgs>? ConnectionLost;

    /// <summary>Raised when data flows again after a loss, possibly from a restarted outlet.</summary>
    public event EventHandler<InletConnectionEventArgs>? ConnectionRecovered;

    /// <summary>The stream this inlet is (now) connected to; changes after recovery to a restarted outlet.</summary>
    public StreamInfo Info
    {
        get
        {
            lock (_sync)
            {
                return _info;
            }
        }
    }

    public bool IsConnected { get; private set; }

    /// <summary>How many times the connection was lost.</summary>
    public long LostCount => Interlocked.Read(ref _lostCount);

    /// <summary>Samples dropped by this inlet's own buffer because they were not pulled in time.</summary>
    public long DroppedSamples => _buffer.Dropped;

    public int SamplesAvailable => _buffer.Count;

    /// <summary>Times the receive thread woke with nothing received (the watchdog's checks), for tests.</summary>
    internal long ReceiveTimeouts => Interlocked.Read(ref _receiveTimeouts);

    /// <summary>The buffer size in samples, as sent to the outlet (Max-Buffer-Length).</summary>
    public int BufferCapacity => _buffer.Capacity;

    /// <summary>Connects and waits until the feed is verified (header and test patterns).</summary>
    public async Task OpenStreamAsync(double timeout = LslConstants.Forever, CancellationToken ct = default)
    {
        Task connected;
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            _loop ??= StartLoop();
            connected = _connected.Task;
        }

        try
        {
            await connected.WaitAsync(TimeSpan.FromSeconds(Math.Min(timeout, int.MaxValue / 1000.0)), ct).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw new LslTimeoutException("the stream did not open within the timeout", e);
        }

        if ((_processor.Options & ProcessingOptions.ClockSync) != 0)
        {
            await TimeCorrectionAsync(Math.Min(timeout, 5.0), ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The inlet's own thread: connects, receives, recovers. Blocking calls only on the data socket (see
    /// <see cref="BlockingSocketStream"/>), so arrivals wake this thread and nothing else, as liblsl's data thread.
    /// </summary>
    private Task StartLoop() =>
        Task.Factory.StartNew(() => Run(_stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Starts the connection without waiting (pulls do this implicitly, as in liblsl).</summary>
    public void StartStream()
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            _loop ??= StartLoop();
        }
    }

    /// <summary>The full info of the stream, with its desc tree, fetched from the outlet.</summary>
    public async Task<StreamInfo> GetFullInfoAsync(double timeout = LslConstants.Forever, CancellationToken ct = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromSeconds(Math.Min(timeout, int.MaxValue / 1000.0)));
        try
        {
            return await FeedConnection.FetchFullInfoAsync(Info, _config, limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new LslTimeoutException("the full info did not arrive within the timeout", e);
        }
    }

    /// <summary>Local minus remote clock, in seconds: add it to the stream's timestamps. Waits for the first estimate.</summary>
    public Task<double> TimeCorrectionAsync(double timeout = LslConstants.Forever, CancellationToken ct = default) =>
        TimeClient().GetAsync(TimeSpan.FromSeconds(Math.Min(timeout, int.MaxValue / 1000.0)), ct);

    /// <summary>Round-trip time of the probe the current correction came from (its uncertainty).</summary>
    public double TimeCorrectionUncertainty => _time?.Uncertainty ?? double.PositiveInfinity;

    /// <summary>True once after the clock reference was reset (recovery to a restarted outlet).</summary>
    public bool WasClockReset() => ConsumeClockReset();

    private bool ConsumeClockReset() => Interlocked.Exchange(ref _clockReset, 0) != 0;

    private double CurrentCorrection()
    {
        var client = TimeClient();
        return client.HasEstimate ? client.Correction : 0.0;
    }

    private TimeCorrectionClient TimeClient()
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            if (_time is null)
            {
                _time = new TimeCorrectionClient(FeedConnection.ServiceEndPoint(_info), _config);
                _time.Start();
            }

            return _time;
        }
    }

    /// <summary>Pulls one sample; returns its timestamp, or 0.0 when none arrived within <paramref name="timeout"/> seconds.</summary>
    public double PullSample<T>(Span<T> sample, double timeout = LslConstants.Forever)
        where T : unmanaged
    {
        CheckNumeric(sample.Length);
        StartStream();
        if (!_buffer.WaitForData(timeout))
        {
            return 0.0;
        }

        Span<double> ts = stackalloc double[1];
        if (_info.ChannelFormat == ChannelFormat.String)
        {
            var text = new string[_info.ChannelCount];
            if (_buffer.TakeStrings(text, ts, 1) != 1)
            {
                return 0.0;
            }

            TextValues.Parse<T>(text, sample);
            return Process(ts[0]);
        }

        return _buffer.TakeNumeric(sample, ts, 1, _info.ChannelFormat) == 1 ? Process(ts[0]) : 0.0;
    }

    public double PullSample(Span<string> sample, double timeout = LslConstants.Forever)
    {
        CheckStrings(sample.Length);
        StartStream();
        if (!_buffer.WaitForData(timeout))
        {
            return 0.0;
        }

        Span<double> ts = stackalloc double[1];
        return _buffer.TakeStrings(sample, ts, 1) == 1 ? Process(ts[0]) : 0.0;
    }

    /// <summary>
    /// Pulls one sample of a string stream as the bytes the outlet sent, unaltered (no UTF-8 decoding): for
    /// relays and recorders. Returns its timestamp, or 0.0 on timeout.
    /// </summary>
    public double PullSample(Span<byte[]> sample, double timeout = LslConstants.Forever)
    {
        CheckStrings(sample.Length);
        StartStream();
        if (!_buffer.WaitForData(timeout))
        {
            return 0.0;
        }

        Span<double> ts = stackalloc double[1];
        return _buffer.TakeStringBytes(sample, ts, 1) == 1 ? Process(ts[0]) : 0.0;
    }

    /// <summary>Pulls string samples as raw bytes (multiplexed), waiting up to <paramref name="timeout"/> seconds for the first.</summary>
    public int PullChunk(Span<byte[]> data, Span<double> timestamps, double timeout = 0.0)
    {
        var max = Math.Min(data.Length / _info.ChannelCount, timestamps.Length);
        CheckStrings(max * _info.ChannelCount);
        StartStream();
        if (max == 0 || !_buffer.WaitForData(timeout))
        {
            return 0;
        }

        var n = _buffer.TakeStringBytes(data, timestamps, max);
        ProcessAll(timestamps[..n]);
        return n;
    }

    /// <summary>
    /// Pulls up to as many samples as fit into <paramref name="data"/> (multiplexed) and
    /// <paramref name="timestamps"/>; waits up to <paramref name="timeout"/> seconds for the first one.
    /// </summary>
    public int PullChunk<T>(Span<T> data, Span<double> timestamps, double timeout = 0.0)
        where T : unmanaged
    {
        var max = Math.Min(data.Length / _info.ChannelCount, timestamps.Length);
        CheckNumeric(max * _info.ChannelCount);
        StartStream();
        if (max == 0 || !_buffer.WaitForData(timeout))
        {
            return 0;
        }

        int n;
        if (_info.ChannelFormat == ChannelFormat.String)
        {
            var text = new string[max * _info.ChannelCount];
            n = _buffer.TakeStrings(text, timestamps, max);
            TextValues.Parse<T>(text.AsSpan(0, n * _info.ChannelCount), data);
        }
        else
        {
            n = _buffer.TakeNumeric(data, timestamps, max, _info.ChannelFormat);
        }

        ProcessAll(timestamps[..n]);
        return n;
    }

    public int PullChunk(Span<string> data, Span<double> timestamps, double timeout = 0.0)
    {
        var max = Math.Min(data.Length / _info.ChannelCount, timestamps.Length);
        CheckStrings(max * _info.ChannelCount);
        StartStream();
        if (max == 0 || !_buffer.WaitForData(timeout))
        {
            return 0;
        }

        var n = _buffer.TakeStrings(data, timestamps, max);
        ProcessAll(timestamps[..n]);
        return n;
    }

    /// <summary>Waits without blocking a thread until at least one sample is there, then pulls a chunk.</summary>
    public async ValueTask<int> PullChunkAsync<T>(Memory<T> data, Memory<double> timestamps, CancellationToken ct = default)
        where T : unmanaged
    {
        StartStream();
        using var wake = ct.Register(static s => ((InletBuffer)s!).DataArrived.Set(), _buffer);
        while (!_buffer.HasDataOrFault)
        {
            ct.ThrowIfCancellationRequested();
            await _buffer.DataArrived.WaitAsync().ConfigureAwait(false);
        }

        ct.ThrowIfCancellationRequested();
        return PullChunk(data.Span, timestamps.Span, 0.0);
    }

    /// <summary>Drops everything buffered; returns how many samples were dropped.</summary>
    public int Flush()
    {
        var n = _buffer.Count;
        _buffer.Clear();
        return n;
    }

    private double Process(double timestamp)
    {
        if (_processor.Options == ProcessingOptions.None)
        {
            return timestamp;
        }

        lock (_processLock)
        {
            return _processor.Process(timestamp);
        }
    }

    private void ProcessAll(Span<double> timestamps)
    {
        if (_processor.Options == ProcessingOptions.None)
        {
            return;
        }

        lock (_processLock)
        {
            for (var i = 0; i < timestamps.Length; i++)
            {
                timestamps[i] = _processor.Process(timestamps[i]);
            }
        }
    }

    private void CheckNumeric(int values)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (values % _info.ChannelCount != 0)
        {
            throw new ArgumentException($"buffer of {values} values is not a whole number of {_info.ChannelCount}-channel samples");
        }
    }

    private void CheckStrings(int values)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_info.ChannelFormat != ChannelFormat.String)
        {
            throw new InvalidOperationException("this is a numeric stream: pull numbers");
        }

        if (values % _info.ChannelCount != 0)
        {
            throw new ArgumentException($"buffer of {values} values is not a whole number of {_info.ChannelCount}-channel samples");
        }
    }

    private void Run(CancellationToken ct)
    {
        var lostBefore = false;
        var round = 0;
        var lastFailedAttempt = double.NegativeInfinity;
        while (!ct.IsCancellationRequested)
        {
            Exception? error = null;
            try
            {
                FeedConnection connection;
                try
                {
                    connection = FeedConnection.OpenAsync(Info, _config, _buffer.Capacity, _maxChunkLength, ct).GetAwaiter().GetResult();
                }
                catch (Exception) when (!ct.IsCancellationRequested)
                {
                    lastFailedAttempt = LslClock.LocalClock();
                    throw;
                }

                using var open = connection;
                round = 0;
                IsConnected = true;
                Volatile.Write(ref _lastReceive, LslClock.LocalClock());
                TaskCompletionSource connected;
                lock (_sync)
                {
                    connected = _connected;
                }

                connected.TrySetResult();
                if (lostBefore)
                {
                    Raise(ConnectionRecovered, new InletConnectionEventArgs("connected again"));
                }

                Receive(connection, ct);
                error = new LslProtocolException(LslProtocolError.UnexpectedEndOfStream, "the outlet closed the connection");
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is LslException or IOException or System.Net.Sockets.SocketException or OperationCanceledException)
            {
                error = e;
            }

            var wasConnected = IsConnected;
            IsConnected = false;
            if (wasConnected)
            {
                lostBefore = true;
                Interlocked.Increment(ref _lostCount);
                lock (_sync)
                {
                    if (_connected.Task.IsCompleted)
                    {
                        _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }
                }

                Raise(ConnectionLost, new InletConnectionEventArgs(error?.Message ?? "connection lost", error));
            }

            if (!_recover || error is LslProtocolException { Reason: LslProtocolError.ChannelCountOutOfRange })
            {
                var lost = new LslLostException("the stream was lost and recovery is off (recover=false or empty source_id): " + error?.Message, error!);
                _buffer.Fail(lost);
                lock (_sync)
                {
                    _connected.TrySetException(lost);
                }

                return;
            }

            try
            {
                // The same uid is tried again at most once per RecoveryDelay after a failed attempt, so an
                // outlet that answers discovery but refuses connections is not hammered; a restarted
                // outlet (another uid) is taken at once.
                var holdOff = Math.Max(0, lastFailedAttempt + _config.RecoveryDelay - LslClock.LocalClock());
                TryRecoverAsync(round++, holdOff, ct).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception e) when (e is LslException or System.Net.Sockets.SocketException)
            {
                // Discovery failed this time (e.g. no socket could be bound): try again next round.
            }
        }
    }

    /// <summary>A handler that throws must not end the receive loop: its exception is dropped.</summary>
    private void Raise(EventHandler<InletConnectionEventArgs>? handler, InletConnectionEventArgs args)
    {
        if (handler is null)
        {
            return;
        }

        foreach (var single in handler.GetInvocationList().Cast<EventHandler<InletConnectionEventArgs>>())
        {
            try
            {
                single(this, args);
            }
#pragma warning disable CA1031 // user code: anything it throws is its own business
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

    /// <summary>
    /// Re-resolves the stream by its identity, starting at once and returning as soon as it answers (not
    /// after a fixed wait, as liblsl's 1 s / 5 s minimum): a restarted outlet is picked up within about one
    /// wave. The same uid: reconnect as before. Exactly one other stream with the same identity (a restarted
    /// outlet): switch to it and reset the clock state. The first rounds (about 10 s) query every
    /// RecoveryWaveInterval, later ones every MulticastMinRtt, so a long outage costs little traffic.
    /// </summary>
    private async Task TryRecoverAsync(int round, double sameUidHoldOff, CancellationToken ct)
    {
        var current = Info;
        var query = RecoveryQuery(current);
        var interval = Math.Max(0.02, round < 2 ? _config.RecoveryWaveInterval : _config.MulticastMinRtt);
        var found = await StreamResolver.ResolveForRecoveryAsync(query, current.Uid, interval, sameUidHoldOff, RecoverySettleSeconds, 5.0, _config, ct).ConfigureAwait(false);
        var same = found.FirstOrDefault(f => f.Uid == current.Uid);
        var others = found.Where(f => f.Uid != current.Uid).ToList();

        // The lost uid still answering discovery while it refuses connections is an outlet on its way out:
        // a single restarted one (another uid) wins then.
        if (same is not null && !(sameUidHoldOff > 0 && others.Count == 1))
        {
            lock (_sync)
            {
                _info.V4Address = same.V4Address;
                _info.V6Address = same.V6Address;
            }

            return;
        }

        if (others.Count != 1)
        {
            return;
        }

        var next = others[0];
        lock (_sync)
        {
            _info = next;
            _time?.Reset(FeedConnection.ServiceEndPoint(next));
        }

        Interlocked.Exchange(ref _clockReset, 1);
    }

    internal static string RecoveryQuery(StreamInfo info)
    {
        var parts = new List<string> { $"channel_count='{info.ChannelCount}'" };
        if (info.Name.Length > 0)
        {
            parts.Add($"name='{info.Name}'");
        }

        if (info.Type.Length > 0)
        {
            parts.Add($"type='{info.Type}'");
        }

        if (info.SourceId.Length > 0)
        {
            parts.Add($"source_id='{info.SourceId}'");
        }

        parts.Add($"channel_format='{info.ChannelFormat.ToLslName()}'");
        return string.Join(" and ", parts);
    }

    /// <summary>
    /// Receives on the inlet's thread, blocked in recv(2) on the socket, decoding straight into the buffer
    /// and waking blocked pullers from there: one kernel wake-up per arrival, and no thread-pool hop (whose
    /// spinning workers cost CPU at every sample). The read timeout doubles as liblsl's watchdog: a regular
    /// stream silent for WatchdogTimeThreshold is reconnected.
    /// </summary>

    private void Receive(FeedConnection connection, CancellationToken ct)
    {
        using var wake = ct.Register(static c => ((FeedConnection)c!).Abort(), connection);
        var reader = connection.Reader;
        var interval = _info.NominalSrate > 0 ? 1.0 / _info.NominalSrate : 0.0;
        // Only a regular stream has a watchdog. An irregular one (markers) may rightly be silent for hours: its
        // thread then sleeps in recv(2) with no timeout at all (closing the inlet shuts the socket down).
        var check = _info.NominalSrate > 0 ? TimeSpan.FromSeconds(Math.Max(0.001, _config.WatchdogCheckInterval)) : Timeout.InfiniteTimeSpan;
        var last = 0.0;
        while (true)
        {
            var consumed = _buffer.Decode(reader.Buffered, connection.Decoder, interval, ref last, out var samples);
            reader.Consume(consumed);
            if (samples > 0)
            {
                Volatile.Write(ref _lastReceive, LslClock.LocalClock());
            }

            bool ended;
            while (!connection.TryFill(check, out ended))
            {
                Interlocked.Increment(ref _receiveTimeouts);
                ct.ThrowIfCancellationRequested();
                if (_info.NominalSrate > 0 && LslClock.LocalClock() - Volatile.Read(ref _lastReceive) > _config.WatchdogTimeThreshold)
                {
                    throw new LslTimeoutException($"no data for {_config.WatchdogTimeThreshold} s (watchdog)");
                }
            }

            ct.ThrowIfCancellationRequested();
            if (ended)
            {
                return;
            }
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        Task? loop;
        TimeCorrectionClient? time;
        lock (_sync)
        {
            loop = _loop;
            time = _time;
        }

        if (loop is not null)
        {
            await loop.ConfigureAwait(false);
        }

        if (time is not null)
        {
            await time.DisposeAsync().ConfigureAwait(false);
        }

        _buffer.Fail(new ObjectDisposedException(nameof(StreamInlet)));
        _stop.Dispose();
    }
}
