using BioTrain.Stream.Lsl;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Info;
using BioTrain.Stream.Lsl.Outlet;

namespace BioTrain.Stream.Recording;

/// <summary>
/// Publishes every stream of a recording as an LSL outlet with its recorded metadata, and pushes the
/// samples on one schedule for all streams, so the relative timing between streams and samples is the
/// recorded one: regular streams in chunks every <see cref="ReplayOptions.ChunkInterval"/>, irregular
/// (marker) samples at their own time. The outlets exist from construction until disposal.
/// </summary>
/// <example>
/// <code>
/// var recording = await RecordingLoader.LoadAsync("run.xdf");
/// await using var replayer = new Replayer(recording, new ReplayOptions { Speed = 1, Restamp = true });
/// ReplayReport report = await replayer.RunAsync(ct);
/// </code>
/// </example>
public sealed class Replayer : IAsyncDisposable, IDisposable
{
    // A wait on a wait handle wakes about 0.1 ms late and takes whole milliseconds; markers are due at an
    // exact time, so the last millisecond before one is waited out by spinning.
    private const double SpinWindow = 0.001;
    private const int MaxChunkSamples = 1024;

    private readonly ReplayRecording _recording;
    private readonly ReplayOptions _options;
    private readonly StreamPlayer[] _players;
    private readonly Lock _stats = new();
    private readonly double _speed;
    private readonly double _period;
    private int _started;
    private int _disposed;
    private double _startClock = double.NaN;
    private double _finishClock = double.NaN;
    private int _passes;
    private bool _completed;

    public Replayer(ReplayRecording recording, ReplayOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(recording);
        _recording = recording;
        _options = options ?? new ReplayOptions();
        if (!_options.MaxSpeed && (!double.IsFinite(_options.Speed) || _options.Speed <= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.Speed, "speed must be a positive number");
        }
        if (_options.ChunkInterval <= TimeSpan.Zero || _options.MaxSpeedStepSeconds <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "the chunk interval and the max-speed step must be positive");
        }
        if (_options.LoopCount is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.LoopCount, "loop count must be at least 1");
        }
        _speed = _options.MaxSpeed ? 1.0 : _options.Speed;
        (Restamped, RestampReason) = DecideRestamp(recording, _options.Restamp);

        // The next pass starts one sample period after the last sample, so a regular stream keeps its cadence.
        var gap = recording.Streams.Where(s => s.Info.NominalSrate > 0 && s.SampleCount > 0).Select(s => 1.0 / s.Info.NominalSrate).DefaultIfEmpty(_options.ChunkInterval.TotalSeconds).Max();
        _period = recording.Duration + gap;

        var config = _options.Config ?? LslConfig.Load();
        var players = new List<StreamPlayer>();
        try
        {
            foreach (var stream in recording.Streams.Where(s => s.Info.ChannelCount > 0))
            {
                var outlet = new StreamOutlet(OutletInfoFactory.Create(stream, recording.Source), config: config);
                players.Add(StreamPlayer.Create(stream, outlet, recording.StartTime));
            }
        }
        catch
        {
            players.ForEach(p => p.Dispose());
            throw;
        }
        _players = [.. players];
    }

    /// <summary>The published streams (uid, ports, source_id as the network sees them), in file order.</summary>
    public IReadOnlyList<StreamInfo> PublishedStreams => _players.Select(p => p.Outlet.Info).ToList();

    /// <summary>Whether timestamps are mapped onto the local clock (asked for, or forced: see <see cref="RestampReason"/>).</summary>
    public bool Restamped { get; }

    /// <summary>Why restamping was forced, or null.</summary>
    public string? RestampReason { get; }

    /// <summary>
    /// Replays the recording (all passes when looping) and returns the report once consumers have taken
    /// what was pushed (up to <see cref="ReplayOptions.DrainTimeout"/>). Cancellation stops between two
    /// pushes and throws <see cref="OperationCanceledException"/>; <see cref="GetReport"/> still tells what was done.
    /// </summary>
    public async Task<ReplayReport> RunAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("a replayer runs once; create another for a second replay");
        }
        await WaitForConsumersAsync(cancellationToken).ConfigureAwait(false);
        lock (_stats)
        {
            _startClock = LslClock.LocalClock();
        }
        try
        {
            // The schedule runs on a thread of its own: Task.Delay follows the coarse tick clock (4 ms steps
            // on a 250 Hz kernel), while a wait on a handle wakes within about 0.1 ms of its time.
            await Task.Factory.StartNew(() => Run(cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                .ConfigureAwait(false);
            lock (_stats)
            {
                _completed = true;
            }
        }
        finally
        {
            lock (_stats)
            {
                _finishClock = LslClock.LocalClock();
            }
        }
        await DrainAsync(cancellationToken).ConfigureAwait(false);
        return GetReport();
    }

    /// <summary>A snapshot of the statistics; safe to call from any thread, during or after the run.</summary>
    public ReplayReport GetReport()
    {
        lock (_stats)
        {
            var end = double.IsNaN(_finishClock) ? LslClock.LocalClock() : _finishClock;
            return new ReplayReport
            {
                Source = _recording.Source,
                Speed = _speed,
                MaxSpeed = _options.MaxSpeed,
                Restamped = Restamped,
                RestampReason = RestampReason,
                Passes = _passes,
                Completed = _completed,
                RecordingSeconds = _recording.Duration,
                ElapsedSeconds = double.IsNaN(_startClock) ? 0.0 : end - _startClock,
                SamplesPushed = _players.Sum(p => p.SamplesPushed),
                Streams = _players.Select(StreamReport).ToList(),
            };
        }
    }

    private StreamReplayReport StreamReport(StreamPlayer player) => new()
    {
        Name = player.Outlet.Info.Name,
        Type = player.Outlet.Info.Type,
        SourceId = player.Outlet.Info.SourceId,
        Channels = player.Outlet.Info.ChannelCount,
        NominalRate = player.Outlet.Info.NominalSrate,
        FileRate = player.Stream.FileRate,
        EffectiveRate = player.IsRegular ? player.EffectiveRate : 0.0,
        SamplesPushed = player.SamplesPushed,
        ChunksPushed = player.ChunksPushed,
        PushError = _options.MaxSpeed ? null : player.PushErrors.Summary(),
        DroppedByConsumers = player.Outlet.DroppedSamples,
    };

    private static (bool Restamp, string? Reason) DecideRestamp(ReplayRecording recording, bool requested)
    {
        if (requested)
        {
            return (true, null);
        }
        if (!recording.HasLslClock)
        {
            return (true, "EDF/BDF times are seconds from the start of the file, not LSL clock times");
        }
        // An outlet reads a timestamp of exactly 0 as "now" (liblsl's rule), so such a file cannot keep its stamps.
        foreach (var stream in recording.Streams)
        {
            if (stream.Timestamps.Contains(0.0))
            {
                return (true, $"stream '{stream.Info.Name}' has timestamps of 0, which LSL reads as 'now'");
            }
        }
        return (false, null);
    }

    private void Run(CancellationToken ct)
    {
        if (_options.MaxSpeed)
        {
            RunAtMaxSpeed(ct);
        }
        else
        {
            RunScheduled(ct);
        }
    }

    private void RunScheduled(CancellationToken ct)
    {
        var chunk = _options.ChunkInterval.TotalSeconds * _speed;
        for (var pass = 0; ; pass++)
        {
            var shift = BeginPass(pass);
            var map = new StampMap(Restamped, _recording.StartTime, shift, _startClock, _speed);
            var lastProgress = double.NegativeInfinity;
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                var timeline = (LslClock.LocalClock() - _startClock) * _speed;
                var nextChunk = double.PositiveInfinity;
                var nextMarker = double.PositiveInfinity;
                foreach (var player in _players)
                {
                    if (!player.Done && ActionTime(player, shift, chunk) <= timeline)
                    {
                        PushScheduled(player, timeline, map);
                    }
                    if (!player.Done)
                    {
                        var due = ActionTime(player, shift, chunk);
                        if (player.IsRegular)
                        {
                            nextChunk = Math.Min(nextChunk, due);
                        }
                        else
                        {
                            nextMarker = Math.Min(nextMarker, due);
                        }
                    }
                }
                lastProgress = ReportProgress(timeline - shift, pass, lastProgress);
                var next = Math.Min(nextChunk, nextMarker);
                if (double.IsPositiveInfinity(next))
                {
                    break;
                }
                // A marker due with (or before) the next chunk makes the wake-up exact for both.
                WaitUntil(_startClock + (next / _speed), exact: nextMarker <= nextChunk, ct);
            }
            if (!LoopAgain(pass))
            {
                return;
            }
        }
    }

    /// <summary>
    /// Irregular samples are due at their own time; a regular stream's next chunk is due with its first
    /// sample at least a chunk interval after the last push.
    /// </summary>
    private static double ActionTime(StreamPlayer player, double shift, double chunk) =>
        player.IsRegular ? player.FirstDueFrom(player.LastFlush + chunk, shift) : player.NextDue(shift);

    private void PushScheduled(StreamPlayer player, double timeline, in StampMap map)
    {
        var count = player.PushUntil(timeline, int.MaxValue, map, out var lastDue);
        var pushedAt = LslClock.LocalClock() - _startClock;
        lock (_stats)
        {
            player.Record(count, pushedAt, pushedAt - (lastDue / _speed));
        }
    }

    private void RunAtMaxSpeed(CancellationToken ct)
    {
        for (var pass = 0; ; pass++)
        {
            var shift = BeginPass(pass);
            var map = new StampMap(Restamped, _recording.StartTime, shift, _startClock, 1.0);
            var lastProgress = double.NegativeInfinity;
            // Step through the recording so the streams stay interleaved in time as they were recorded.
            for (var until = shift + _options.MaxSpeedStepSeconds; _players.Any(p => !p.Done); until += _options.MaxSpeedStepSeconds)
            {
                Pace(ct);
                foreach (var player in _players)
                {
                    int count;
                    while ((count = player.PushUntil(until, MaxChunkSamples, map, out _)) > 0)
                    {
                        var pushedAt = LslClock.LocalClock() - _startClock;
                        lock (_stats)
                        {
                            player.Record(count, pushedAt, error: null);
                        }
                    }
                }
                lastProgress = ReportProgress(until - shift, pass, lastProgress);
            }
            if (!LoopAgain(pass))
            {
                return;
            }
        }
    }

    /// <summary>Max speed: wait while a consumer is more than the allowed backlog behind.</summary>
    private void Pace(CancellationToken ct)
    {
        while (_players.Any(p => p.Outlet.Backlog > _options.MaxSpeedBacklog))
        {
            Sleep(1, ct);
        }
        ct.ThrowIfCancellationRequested();
    }

    private double BeginPass(int pass)
    {
        lock (_stats)
        {
            _passes = pass + 1;
        }
        foreach (var player in _players)
        {
            player.Rewind();
        }
        return pass * _period;
    }

    /// <summary>A recording without samples is not looped: there would be nothing to wait for between passes.</summary>
    private bool LoopAgain(int pass) =>
        _options.Loop && (_options.LoopCount is not { } count || pass + 1 < count) && _players.Any(p => p.Stream.SampleCount > 0);

    private double ReportProgress(double position, int pass, double last)
    {
        var now = LslClock.LocalClock();
        if (_options.Progress is not { } progress || now - last < _options.ProgressInterval.TotalSeconds)
        {
            return last;
        }
        long samples;
        lock (_stats)
        {
            samples = _players.Sum(p => p.SamplesPushed);
        }
        progress.Report(new ReplayProgress(Math.Clamp(position, 0, _recording.Duration), _recording.Duration, pass, samples, now - _startClock));
        return now;
    }

    /// <summary>
    /// Regular chunks: sleep whole milliseconds rounded up (never early, at most about 1 ms late).
    /// Markers: sleep whole milliseconds rounded down, then spin until the exact time.
    /// </summary>
    private static void WaitUntil(double target, bool exact, CancellationToken ct)
    {
        var remaining = (target - LslClock.LocalClock()) * 1000;
        var sleep = exact ? Math.Floor(remaining - (SpinWindow * 1000)) : Math.Ceiling(remaining);
        if (sleep > 0)
        {
            Sleep((int)Math.Min(sleep, int.MaxValue), ct);
        }
        // Busy for at most SpinWindow per marker (markers are sparse); yielding instead would hand the
        // core to another runnable thread for a whole time slice on a loaded machine.
        while (exact && LslClock.LocalClock() < target)
        {
            ct.ThrowIfCancellationRequested();
            Thread.SpinWait(50);
        }
    }

    private static void Sleep(int milliseconds, CancellationToken ct)
    {
        if (ct.WaitHandle.WaitOne(milliseconds))
        {
            ct.ThrowIfCancellationRequested();
        }
    }

    private async Task WaitForConsumersAsync(CancellationToken ct)
    {
        var deadline = LslClock.LocalClock() + _options.WaitForConsumers.TotalSeconds;
        while (_players.Any(p => !p.Outlet.HaveConsumers) && LslClock.LocalClock() < deadline)
        {
            await Task.Delay(5, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Outlets are fed from a ring: wait until the slowest consumer has been sent everything.</summary>
    private async Task DrainAsync(CancellationToken ct)
    {
        var deadline = LslClock.LocalClock() + _options.DrainTimeout.TotalSeconds;
        while (_players.Any(p => p.Outlet.Backlog > 0) && LslClock.LocalClock() < deadline)
        {
            await Task.Delay(2, ct).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        foreach (var player in _players)
        {
            player.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
