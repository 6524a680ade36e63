using System.Buffers;
using System.Net.Sockets;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Discovery;
using BioTrain.Stream.Lsl.Info;
using BioTrain.Stream.Lsl.Internal;

namespace BioTrain.Stream.Lsl.Outlet;

/// <summary>
/// Publishes a stream: answers discovery, serves info and data feeds to any number of inlets, and
/// answers time probes. Push methods copy each sample once into a shared ring and never block on the
/// network; a slow inlet loses its oldest samples (counted in <see cref="DroppedSamples"/>), not the others.
/// </summary>
public sealed class StreamOutlet : IDisposable, IAsyncDisposable
{
    private readonly OutletRing _ring;
    private readonly List<IDisposable> _resources = [];
    private readonly List<Task> _tasks = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly TcpDataServer? _tcp4;
    private readonly TcpDataServer? _tcp6;
    private readonly int _channels;
    private readonly ChannelFormat _format;
    private readonly bool _forceTimestamps;
    private int _disposed;

    /// <param name="info">The stream to publish. Its uid, ports, session id and hostname are filled in here.</param>
    /// <param name="chunkSize">Kept for API parity with liblsl; flushing follows pushthrough, as in liblsl 1.16.</param>
    /// <param name="maxBuffered">Seconds of data kept per inlet (×100 samples for irregular streams).</param>
    /// <param name="config">Network settings; null loads lsl_api.cfg like liblsl.</param>
    public StreamOutlet(StreamInfo info, int chunkSize = 0, int maxBuffered = 360, LslConfig? config = null)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentOutOfRangeException.ThrowIfNegative(chunkSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBuffered);
        Config = config ?? LslConfig.Load();
        _channels = info.ChannelCount;
        _format = info.ChannelFormat;
        _forceTimestamps = Config.ForceDefaultTimestamps;
        ChunkSize = chunkSize;

        var samples = info.IsIrregular ? maxBuffered * 100.0 : maxBuffered * info.NominalSrate;
        var budget = info.ChannelFormat == ChannelFormat.String ? long.MaxValue : Config.MaxBufferBytes / Math.Max(1, info.SampleBytes);
        _ring = new OutletRing(info.ChannelCount, info.ChannelFormat, info.NominalSrate, (int)Math.Clamp(Math.Min(samples, budget), 16, 1 << 30));

        var published = info.Clone();
        published.Uid = Guid.NewGuid().ToString("D");
        published.CreatedAt = LslClock.LocalClock();
        published.SessionId = Config.SessionId;
        published.Version = Config.UseProtocolVersion;
        published.V4Address = string.Empty;
        published.V6Address = string.Empty;
        try
        {
            Socket? service4 = null;
            Socket? service6 = null;
            TcpListener? listener4 = null;
            TcpListener? listener6 = null;
            if (Config.UseIPv4)
            {
                listener4 = PortBinder.BindTcp(Config, AddressFamily.InterNetwork);
                _resources.Add(listener4.Server);
                service4 = UdpInfoServer.BindService(Config, AddressFamily.InterNetwork);
                _resources.Add(service4);
            }

            if (Config.UseIPv6 && Socket.OSSupportsIPv6)
            {
                try
                {
                    listener6 = PortBinder.BindTcp(Config, AddressFamily.InterNetworkV6);
                    _resources.Add(listener6.Server);
                    service6 = UdpInfoServer.BindService(Config, AddressFamily.InterNetworkV6);
                    _resources.Add(service6);
                }
                catch (SocketException) when (Config.UseIPv4)
                {
                    // No usable IPv6 stack here: serve IPv4 only.
                    listener6 = null;
                    service6 = null;
                }
            }

            published.V4DataPort = listener4 is null ? 0 : ((System.Net.IPEndPoint)listener4.LocalEndpoint).Port;
            published.V4ServicePort = service4 is null ? 0 : ((System.Net.IPEndPoint)service4.LocalEndPoint!).Port;
            published.V6DataPort = listener6 is null ? 0 : ((System.Net.IPEndPoint)listener6.LocalEndpoint).Port;
            published.V6ServicePort = service6 is null ? 0 : ((System.Net.IPEndPoint)service6.LocalEndPoint!).Port;
            Info = published;

            var shortInfo = published.ToShortInfoXml();
            var fullInfo = published.ToFullInfoXml();
            var matcher = new QueryMatcher(fullInfo, Config.MaxCachedQueries, Config.MaxQueryLength);
            var context = new OutletContext(published, shortInfo, fullInfo, matcher, _ring, Config);
            var limiter = new ReplyRateLimiter(Config.MaxRepliesPerSecond);

            if (listener4 is not null)
            {
                _tcp4 = new TcpDataServer(listener4, context);
                _tasks.Add(_tcp4.RunAsync());
            }

            if (listener6 is not null)
            {
                _tcp6 = new TcpDataServer(listener6, context);
                _tasks.Add(_tcp6.RunAsync());
            }

            foreach (var (socket, family) in new[] { (service4, AddressFamily.InterNetwork), (service6, AddressFamily.InterNetworkV6) })
            {
                if (socket is null)
                {
                    continue;
                }

                var service = UdpInfoServer.ForService(socket, matcher, shortInfo, limiter, Config);
                _tasks.Add(service.RunAsync(_stop.Token));
                var responder = UdpInfoServer.CreateResponder(Config, family, matcher, shortInfo, limiter, ((System.Net.IPEndPoint)socket.LocalEndPoint!).Port);
                if (responder is not null)
                {
                    _resources.Add(responder);
                    _tasks.Add(responder.RunAsync(_stop.Token));
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The published info, with uid, ports and session id as the network sees them.</summary>
    public StreamInfo Info { get; } = null!;

    public LslConfig Config { get; }

    public int ChunkSize { get; }

    /// <summary>Number of inlets currently receiving data.</summary>
    public int ConsumerCount => _ring.ConsumerCount;

    public bool HaveConsumers => ConsumerCount > 0;

    /// <summary>Samples pushed but not yet written to the slowest inlet's socket (a source can watch it to pace itself).</summary>
    public long Backlog => _ring.Backlog;

    /// <summary>How the samples of the inlets connected now went out (for tests: which thread sent them, in how many writes).</summary>
    internal SendCounts SendCounts => _ring.SendCounts;

    /// <summary>Samples lost because an inlet fell further behind than its buffer (all inlets, past and present).</summary>
    public long DroppedSamples => _ring.ActiveDropped + (_tcp4?.DroppedByClosedFeeds ?? 0) + (_tcp6?.DroppedByClosedFeeds ?? 0);

    /// <summary>TCP connections refused because <see cref="LslConfig.MaxConnections"/> were open.</summary>
    public long RejectedConnections => (_tcp4?.RejectedConnections ?? 0) + (_tcp6?.RejectedConnections ?? 0);

    /// <summary>Waits until at least one inlet is connected; false on timeout.</summary>
    public async Task<bool> WaitForConsumersAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!HaveConsumers)
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(5, ct).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Pushes one sample. A timestamp of 0 means "now"; <see cref="LslConstants.DeducedTimestamp"/> means previous + 1/srate.</summary>
    public void PushSample<T>(ReadOnlySpan<T> sample, double timestamp = 0.0, bool pushthrough = true)
        where T : unmanaged
    {
        CheckNumeric<T>(sample.Length, 1);
        Span<double> ts = [Stamp(timestamp)];
        PushNumeric(sample, 1, ts, pushthrough);
    }

    /// <summary>Pushes one sample of a string stream.</summary>
    public void PushSample(ReadOnlySpan<string> sample, double timestamp = 0.0, bool pushthrough = true)
    {
        CheckStrings(sample.Length, 1);
        Span<double> ts = [Stamp(timestamp)];
        _ring.PushStrings(sample, 1, ts, pushthrough);
    }

    /// <summary>
    /// Pushes one sample of a string stream as raw bytes, sent exactly as given (liblsl does not require
    /// UTF-8 either): for relays and recorders that must not alter data. The bytes are copied.
    /// </summary>
    public void PushSample(ReadOnlySpan<byte[]> sample, double timestamp = 0.0, bool pushthrough = true)
    {
        CheckStrings(sample.Length, 1);
        Span<double> ts = [Stamp(timestamp)];
        _ring.PushStringBytes(CopyOf(sample), 1, ts, pushthrough);
    }

    /// <summary>Pushes a multiplexed chunk of a string stream as raw bytes (copied); the timestamp stamps the last sample.</summary>
    public void PushChunk(ReadOnlySpan<byte[]> data, double timestamp = 0.0, bool pushthrough = true)
    {
        var count = SampleCount(data.Length);
        if (count == 0)
        {
            return;
        }

        CheckStrings(data.Length, count);
        Span<double> ts = [Stamp(timestamp)];
        _ring.PushStringBytes(CopyOf(data), count, ts, pushthrough);
    }

    private static byte[][] CopyOf(ReadOnlySpan<byte[]> values)
    {
        var copy = new byte[values.Length][];
        for (var i = 0; i < values.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(values[i], nameof(values));
            copy[i] = values[i].ToArray();
        }

        return copy;
    }

    /// <summary>
    /// Pushes a multiplexed chunk (sample after sample). <paramref name="timestamp"/> stamps the last sample;
    /// the earlier ones are deduced backwards at the nominal rate, as in liblsl.
    /// </summary>
    public void PushChunk<T>(ReadOnlySpan<T> data, double timestamp = 0.0, bool pushthrough = true)
        where T : unmanaged
    {
        var count = SampleCount(data.Length);
        if (count == 0)
        {
            return;
        }

        CheckNumeric<T>(data.Length, count);
        Span<double> ts = [Stamp(timestamp)];
        PushNumeric(data, count, ts, pushthrough);
    }

    /// <summary>Pushes a multiplexed chunk with one timestamp per sample.</summary>
    public void PushChunk<T>(ReadOnlySpan<T> data, ReadOnlySpan<double> timestamps, bool pushthrough = true)
        where T : unmanaged
    {
        var count = SampleCount(data.Length);
        if (timestamps.Length != count)
        {
            throw new ArgumentException($"{count} samples but {timestamps.Length} timestamps", nameof(timestamps));
        }

        if (count == 0)
        {
            return;
        }

        CheckNumeric<T>(data.Length, count);
        var rented = ArrayPool<double>.Shared.Rent(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                rented[i] = Stamp(timestamps[i]);
            }

            PushNumeric(data, count, rented.AsSpan(0, count), pushthrough);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    /// <summary>Pushes a multiplexed chunk of a string stream; the timestamp stamps the last sample.</summary>
    public void PushChunk(ReadOnlySpan<string> data, double timestamp = 0.0, bool pushthrough = true)
    {
        var count = SampleCount(data.Length);
        if (count == 0)
        {
            return;
        }

        CheckStrings(data.Length, count);
        Span<double> ts = [Stamp(timestamp)];
        _ring.PushStrings(data, count, ts, pushthrough);
    }

    private void PushNumeric<T>(ReadOnlySpan<T> data, int count, ReadOnlySpan<double> timestamps, bool pushthrough)
        where T : unmanaged
    {
        if (_format == ChannelFormat.String)
        {
            _ring.PushStrings(TextValues.Format(data), count, timestamps, pushthrough);
            return;
        }

        if (ValueConverter.FormatOf<T>() == _format && BitConverter.IsLittleEndian)
        {
            _ring.PushNumeric(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data), count, timestamps, pushthrough);
            return;
        }

        var bytes = data.Length * _format.ValueSize();
        var rented = ArrayPool<byte>.Shared.Rent(bytes);
        try
        {
            ValueConverter.ToFormat(data, _format, rented.AsSpan(0, bytes));
            _ring.PushNumeric(rented.AsSpan(0, bytes), count, timestamps, pushthrough);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private double Stamp(double timestamp) =>
        timestamp == 0.0 || _forceTimestamps ? LslClock.LocalClock() : timestamp;

    private int SampleCount(int values)
    {
        if (values % _channels != 0)
        {
            throw new ArgumentException($"{values} values are not a whole number of {_channels}-channel samples");
        }

        return values / _channels;
    }

    private void CheckNumeric<T>(int values, int samples)
        where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (!ValueConverter.IsSupported<T>())
        {
            throw new NotSupportedException($"{typeof(T)} is not an LSL value type");
        }

        if (values != samples * _channels)
        {
            throw new ArgumentException($"expected {samples * _channels} values, got {values}");
        }
    }

    private void CheckStrings(int values, int samples)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_format != ChannelFormat.String)
        {
            throw new InvalidOperationException("this is a numeric stream: push numbers");
        }

        if (values != samples * _channels)
        {
            throw new ArgumentException($"expected {samples * _channels} values, got {values}");
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        _tcp4?.Dispose();
        _tcp6?.Dispose();
        foreach (var resource in _resources)
        {
            resource.Dispose();
        }

        try
        {
            Task.WaitAll([.. _tasks], TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
