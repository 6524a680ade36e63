using System.Globalization;
using BioTrain.Stream.Formats.Xdf;
using BioTrain.Stream.Lsl;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Discovery;
using BioTrain.Stream.Lsl.Info;
using BioTrain.Stream.Lsl.Inlet;

namespace BioTrain.Stream.Recording;

/// <summary>
/// Records the LSL streams matching a predicate into an XDF file as LabRecorder does: the full info XML
/// as stream header, raw samples as they arrive, a ClockOffset chunk per stream every 5 s (collection time
/// in the stream's clock, offset = local − remote), a Boundary chunk every 10 s, and a footer per stream
/// at the end. Streams that appear later are added; streams that drop are recovered by their inlets.
/// </summary>
/// <example>
/// <code>
/// await using var recorder = new Recorder("run.xdf", new RecorderOptions { Query = "type='EEG' or type='Markers'" });
/// RecordingReport report = await recorder.RunAsync(ct);   // cancel ct to stop; the file is then complete
/// </code>
/// </example>
public sealed class Recorder : IAsyncDisposable, IDisposable
{
    // Short, so a stop by SIGINT/SIGTERM finishes well within the CLI's grace period.
    private const double FinalOffsetTimeout = 1.0;

    private readonly RecorderOptions _options;
    private readonly LslConfig _config;
    private readonly XdfWriter _writer;
    private readonly Lock _sync = new();
    private readonly List<RecordedStream> _streams = [];
    private readonly HashSet<string> _pendingUids = [];
    private readonly List<Task> _background = [];
    private double _startClock = double.NaN;
    private double _endClock = double.NaN;
    private int _boundaries;
    private int _started;
    private int _disposed;

    /// <summary>Creates (or overwrites) <paramref name="path"/> and writes the file header.</summary>
    public Recorder(string path, RecorderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        _options = options ?? new RecorderOptions();
        if (_options.PullInterval <= TimeSpan.Zero || _options.ClockOffsetInterval <= TimeSpan.Zero || _options.BoundaryInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "the pull, clock-offset and boundary intervals must be positive");
        }
        _config = _options.Config ?? LslConfig.Load();
        Path = System.IO.Path.GetFullPath(path);
        _writer = XdfWriter.Create(Path, _options.Writer ?? new XdfWriterOptions { Datetime = DateTimeOffset.Now });
    }

    public string Path { get; }

    /// <summary>Raised (on a pool thread) when a stream's header has been written and its samples are being recorded.</summary>
    public event EventHandler<RecordedStreamReport>? StreamAdded;

    /// <summary>
    /// Records until <see cref="RecorderOptions.Duration"/> has passed or <paramref name="cancellationToken"/>
    /// is cancelled (the normal way to stop), then empties the inlets, writes the footers and returns.
    /// The file is complete whenever this returns, also after an error.
    /// </summary>
    public async Task<RecordingReport> RunAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("a recorder runs once");
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (_options.Duration is { } duration)
        {
            stop.CancelAfter(duration);
        }
        lock (_sync)
        {
            _startClock = LslClock.LocalClock();
        }
        var resolver = new ContinuousResolver(_options.Query, forgetAfter: 5.0, _config);
        try
        {
            await RecordAsync(resolver, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Duration reached or stopped by the caller: finish the file below.
        }
        catch (InvalidOperationException) when (_writer.IsCompleted)
        {
            // Completed from elsewhere (an exit handler): nothing more can be written.
        }
        finally
        {
            await resolver.DisposeAsync().ConfigureAwait(false);
            await FinishAsync().ConfigureAwait(false);
        }
        return GetReport();
    }

    /// <summary>
    /// Writes the footers and flushes now, from any thread (e.g. a process-exit handler when the run
    /// cannot finish). Idempotent; samples still in the inlets are not written.
    /// </summary>
    public void Complete() => _writer.Complete();

    /// <summary>A snapshot of what has been recorded; safe from any thread.</summary>
    public RecordingReport GetReport()
    {
        lock (_sync)
        {
            var end = double.IsNaN(_endClock) ? LslClock.LocalClock() : _endClock;
            return new RecordingReport
            {
                Path = Path,
                ElapsedSeconds = double.IsNaN(_startClock) ? 0.0 : end - _startClock,
                BytesWritten = _writer.BytesWritten,
                Boundaries = _boundaries,
                Completed = _writer.IsCompleted,
                Streams = _streams.Select(Describe).ToList(),
            };
        }
    }

    private async Task RecordAsync(ContinuousResolver resolver, CancellationToken ct)
    {
        var now = LslClock.LocalClock();
        var nextResolve = now;
        var nextOffsets = now + _options.ClockOffsetInterval.TotalSeconds;
        var nextBoundary = now + _options.BoundaryInterval.TotalSeconds;
        var nextFlush = now + _options.FlushInterval.TotalSeconds;
        Task offsets = Task.CompletedTask;
        var busy = false;
        using var timer = new PeriodicTimer(_options.PullInterval);
        while (!_writer.IsCompleted)
        {
            if (busy)
            {
                // Inlets filling fast (a replay at max speed): empty them again at once, before their buffers overflow.
                await Task.Yield();
                ct.ThrowIfCancellationRequested();
            }
            else
            {
                await timer.WaitForNextTickAsync(ct).ConfigureAwait(false);
            }
            now = LslClock.LocalClock();
            if (now >= nextResolve)
            {
                Discover(resolver.Results(), ct);
                nextResolve = now + _options.ResolveInterval.TotalSeconds;
            }
            busy = DrainAll();
            if (now >= nextOffsets && offsets.IsCompleted)
            {
                // Time-correction estimates can take a while after a reconnection; pulling goes on meanwhile.
                offsets = Track(MeasureClockOffsetsAsync(Snapshot(), ct));
                nextOffsets = now + _options.ClockOffsetInterval.TotalSeconds;
            }
            if (now >= nextBoundary)
            {
                WriteBoundary();
                nextBoundary = now + _options.BoundaryInterval.TotalSeconds;
            }
            if (now >= nextFlush)
            {
                await _writer.FlushAsync(ct).ConfigureAwait(false);
                nextFlush = now + _options.FlushInterval.TotalSeconds;
            }
        }
    }

    /// <summary>Starts recording the resolved streams that are new: not a uid already recorded, and not a restart the inlet of a recorded stream will switch to.</summary>
    private void Discover(IReadOnlyList<StreamInfo> found, CancellationToken ct)
    {
        foreach (var info in found)
        {
            lock (_sync)
            {
                if (_pendingUids.Contains(info.Uid) || _streams.Any(s => s.Uid == info.Uid || s.Inlet.Info.Uid == info.Uid || AwaitsRecovery(s, info)))
                {
                    continue;
                }
                _pendingUids.Add(info.Uid);
            }
            Track(AddStreamAsync(info, ct));
        }
    }

    /// <summary>The inlet re-resolves a lost stream by these fields (when it has a source_id) and switches to a restarted outlet.</summary>
    private static bool AwaitsRecovery(RecordedStream recorded, StreamInfo candidate)
    {
        var info = recorded.Inlet.Info;
        return !recorded.Inlet.IsConnected && !recorded.Lost && info.SourceId.Length > 0
            && info.SourceId == candidate.SourceId && info.Name == candidate.Name && info.Type == candidate.Type
            && info.ChannelCount == candidate.ChannelCount && info.ChannelFormat == candidate.ChannelFormat;
    }

    private async Task AddStreamAsync(StreamInfo resolved, CancellationToken ct)
    {
        var timeout = _options.InfoTimeout.TotalSeconds;
        var inlet = new StreamInlet(resolved, _options.MaxBufferSeconds, recover: true, processing: ProcessingOptions.None, config: _config);
        RecordedStream? stream = null;
        // The first time-correction round takes most of a second: start it at once, so a
        // short-lived stream still gets its offset.
        var firstOffset = IgnoreLslErrorsAsync(inlet.TimeCorrectionAsync(timeout, ct));
        try
        {
            // Header first, feed second: once the feed is open the loop must already be pulling, or a fast
            // source (a replay at max speed) overflows the inlet's buffer while the header is fetched.
            var full = await inlet.GetFullInfoAsync(timeout, ct).ConfigureAwait(false);
            var header = XdfStreamInfo.Parse(full.ToFullInfoXml());
            lock (_sync)
            {
                if (_writer.IsCompleted)
                {
                    return;
                }
                // Ids in the order headers are written, 1, 2, 3, ... as LabRecorder numbers them.
                var id = (uint)_streams.Count + 1;
                stream = RecordedStream.Create(id, inlet, header, Capacity(header));
                _writer.AddStream(id, header);
                _streams.Add(stream);
            }
            await inlet.OpenStreamAsync(timeout, ct).ConfigureAwait(false);
            StreamAdded?.Invoke(this, Describe(stream));
            await firstOffset.ConfigureAwait(false);
            await MeasureClockOffsetAsync(stream, timeout, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is LslException or OperationCanceledException or FormatException or InvalidOperationException)
        {
            // Not reachable now (or stopping): a later resolve round tries again while it is still announced.
        }
        finally
        {
            lock (_sync)
            {
                _pendingUids.Remove(resolved.Uid);
            }
            if (stream is null)
            {
                await inlet.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task IgnoreLslErrorsAsync(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception e) when (e is LslException or OperationCanceledException or ObjectDisposedException)
        {
            // Only a head start: the measurement proper reports its own outcome.
        }
    }

    /// <summary>
    /// Samples per pull: two pull intervals (one chunk per pull in the steady state), at least 1024 so a
    /// backlog is emptied in few large chunks, at most 4 Mi values.
    /// </summary>
    private int Capacity(XdfStreamInfo header)
    {
        var perPull = header.NominalSrate > 0 ? header.NominalSrate * _options.PullInterval.TotalSeconds * 2 : 64;
        return (int)Math.Clamp(perPull, 1024, Math.Max(1024, (1 << 22) / Math.Max(1, header.ChannelCount)));
    }

    /// <summary>Empties every inlet into the file; true when one held over a quarter of its buffer.</summary>
    private bool DrainAll()
    {
        var busy = false;
        lock (_sync)
        {
            foreach (var stream in _streams)
            {
                busy |= stream.Drain(_writer) > stream.Inlet.BufferCapacity / 4;
            }
        }
        return busy;
    }

    private async Task MeasureClockOffsetsAsync(IReadOnlyList<RecordedStream> streams, CancellationToken ct) =>
        await Task.WhenAll(streams.Where(s => !s.Lost).Select(s => MeasureClockOffsetAsync(s, _options.InfoTimeout.TotalSeconds, ct))).ConfigureAwait(false);

    /// <summary>LabRecorder's pair: collection time = local clock − offset (the stream's clock), value = time correction.</summary>
    private async Task MeasureClockOffsetAsync(RecordedStream stream, double timeout, CancellationToken ct)
    {
        try
        {
            var offset = await stream.Inlet.TimeCorrectionAsync(timeout, ct).ConfigureAwait(false);
            var collected = LslClock.LocalClock() - offset;
            lock (_sync)
            {
                if (_writer.IsCompleted)
                {
                    return;
                }
                _writer.WriteClockOffset(stream.Id, collected, offset);
                stream.RecordClockOffset(offset);
            }
        }
        catch (LslException)
        {
            // No estimate this round (the stream is reconnecting): the next round tries again.
        }
    }

    private void WriteBoundary()
    {
        lock (_sync)
        {
            if (!_writer.IsCompleted)
            {
                _writer.WriteBoundary();
                _boundaries++;
            }
        }
    }

    /// <summary>Stops the background work, writes what the inlets still hold, the footers, and closes the inlets.</summary>
    private async Task FinishAsync()
    {
        Task[] background;
        lock (_sync)
        {
            background = [.. _background];
        }
        // Their failures are theirs (a stream not added, an offset not measured); the file must still be finished.
        await Task.WhenAll(background).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        // A stream added just before the stop may have no clock offset yet; importers need at least one to sync it.
        var unsynced = Snapshot().Where(s => s.ClockOffsets == 0 && !s.Lost).Select(s => MeasureClockOffsetAsync(s, FinalOffsetTimeout, CancellationToken.None));
        await Task.WhenAll(unsynced).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            if (!_writer.IsCompleted)
            {
                DrainAll();
            }
        }
        catch (InvalidOperationException) when (_writer.IsCompleted)
        {
            // Completed from elsewhere (an exit handler) meanwhile.
        }
        finally
        {
            _writer.Complete();
            lock (_sync)
            {
                _endClock = LslClock.LocalClock();
            }
            foreach (var stream in Snapshot())
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private Task Track(Task task)
    {
        lock (_sync)
        {
            _background.RemoveAll(t => t.IsCompleted);
            _background.Add(task);
        }
        return task;
    }

    private List<RecordedStream> Snapshot()
    {
        lock (_sync)
        {
            return [.. _streams];
        }
    }

    private static RecordedStreamReport Describe(RecordedStream stream) => new()
    {
        StreamId = stream.Id,
        Name = stream.Header.Name,
        Type = stream.Header.Type,
        SourceId = stream.Header.SourceId,
        Hostname = stream.Header.Hostname,
        Channels = stream.Header.ChannelCount,
        NominalRate = stream.Header.NominalSrate,
        Samples = stream.Samples,
        FirstTimestamp = stream.Samples > 0 ? stream.FirstTimestamp : null,
        LastTimestamp = stream.Samples > 0 ? stream.LastTimestamp : null,
        ClockOffsets = stream.ClockOffsets,
        LastClockOffset = stream.LastClockOffset,
        ConnectionLosses = stream.Inlet.LostCount,
        DroppedSamples = stream.Inlet.DroppedSamples,
        Lost = stream.Lost,
    };

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"Recorder({Path}, query '{_options.Query}')");

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        if (Volatile.Read(ref _started) == 0)
        {
            // Never run: still leave a valid (empty) file behind.
            _writer.Complete();
        }
        await _writer.DisposeAsync().ConfigureAwait(false);
    }
}
