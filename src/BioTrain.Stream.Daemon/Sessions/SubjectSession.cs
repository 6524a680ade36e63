using System.Reactive.Linq;
using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Daemon.Metrics;
using BioTrain.Stream.Daemon.Persistence;
using BioTrain.Stream.Device;
using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Device.Client;
using BioTrain.Stream.Device.Emulation;
using BioTrain.Stream.Device.Scheduling;
using BioTrain.Stream.Lsl;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Discovery;
using BioTrain.Stream.Lsl.Info;
using BioTrain.Stream.Lsl.Inlet;
using BioTrain.Stream.Models;
using BioTrain.Stream.Pipeline;
using BioTrain.Stream.Pipeline.Metrics;
using BioTrain.Stream.Pipeline.Operators;
using BioTrain.Stream.Pipeline.Quality;
using Microsoft.Extensions.Logging;

namespace BioTrain.Stream.Daemon.Sessions;

/// <summary>
/// One subject's session: finds its streams, puts the model on the device (the subject's adapted
/// weights when saved), and wires the parts that each do one job: the pipeline, the
/// <see cref="InferenceFeed"/> that asks for a prediction per window, the
/// <see cref="SessionDevice"/> that owns the device and serves predictions before training, the
/// <see cref="CalibrationController"/> that decides when to train, and the
/// <see cref="TrainingRounds"/> that train. Predictions go on while the device learns.
/// </summary>
public sealed partial class SubjectSession : ISessionRunner, IAsyncDisposable
{
    private const int LatencyHistory = 4096;
    private static readonly TimeSpan DeviceRetryCap = TimeSpan.FromSeconds(10);
    private readonly SessionOptions _options;
    private readonly SessionMetrics _metrics;
    private readonly SubjectStore _store;
    private readonly LslConfig _lsl;
    private readonly ILogger _logger;
    private readonly VirtualDeviceOptions? _virtualDevice;
    private readonly CalibrationController _controller;
    private readonly string _sourceId;
    private readonly Queue<PredictionRecord> _recent = new();
    private long _predictions;
    private double _lastPublished = double.NaN;
    private string? _inputStream;
    private string? _lastError;
    private SessionState? _ended; // Stopped or Failed: the session's own end, over the controller's state
    private long _heartbeat = DateTimeOffset.UtcNow.UtcTicks;
    private SessionDevice? _device;
    private PredictionOutlet? _outlet;
    private byte[]? _model;
    private uint _architecture;
    private volatile string? _deviceProblem = "not connected yet";
    private long _lastBadInputLog;

    public SubjectSession(SessionOptions options, DaemonMetrics metrics, SubjectStore store, LslConfig lsl, ILogger logger, VirtualDeviceOptions? virtualDevice = null)
    {
        _options = options;
        _metrics = new SessionMetrics(metrics, options.Name);
        _store = store;
        _lsl = lsl;
        _logger = logger;
        _virtualDevice = virtualDevice;
        _sourceId = options.Output.SourceId ?? $"biotrain-{options.Name}";
        _controller = new CalibrationController(options);
        _controller.StateChanged += OnStateChanged;
        _metrics.State(SessionState.WaitingForStreams);
    }

    public string Name => _options.Name;

    public DateTimeOffset LastHeartbeat => new(Interlocked.Read(ref _heartbeat), TimeSpan.Zero);

    /// <summary>The pipeline's counters (samples, windows, gaps, epochs, drops).</summary>
    public PipelineCounters Counters { get; } = new();

    /// <summary>The device's owner, once the streams are open.</summary>
    public SessionDevice? Device => _device;

    /// <summary>The model's plan on the device, once loaded.</summary>
    public Device.Protocol.Messages.ModelPlan? Plan { get; private set; }

    /// <summary>What the device did for this session: training and predictions, samples, MACs, instructions.</summary>
    public DeviceWorkTally Work { get; } = new();

    /// <summary>Raised once per change of state, in order (on the thread that caused it).</summary>
    public event Action<SessionState>? StateChanged;

    /// <summary>The last 4096 predictions, oldest first.</summary>
    public IReadOnlyList<PredictionRecord> RecentPredictions
    {
        get
        {
            lock (_recent)
            {
                return [.. _recent];
            }
        }
    }

    public SessionStatus Status
    {
        get
        {
            var c = _controller.Snapshot;
            var dropped = _device is { } d ? d.PredictionsExpired + d.PredictionsUnavailable + d.PredictionsOverflowed + d.PredictionsFailed : 0;
            return new SessionStatus(
                Name, _options.Subject, _ended ?? c.State, _options.Device, _inputStream, c.TrialsPerClass, _options.Calibration.TrialsPerClass, c.Calibrated,
                c.AccuracyBefore, c.Accuracy, c.Restored, c.AdaptationRounds, Interlocked.Read(ref _predictions), dropped,
                new PipelineFigures(Counters.SamplesIn, Counters.Gaps, Counters.MissingSamples, Counters.Windows, Counters.Markers, Counters.MarkersIgnored, Counters.MarkersLost, Counters.Epochs),
                _lastError,
                _deviceProblem is null,
                _deviceProblem);
        }
    }

    public void StartCalibration() => _controller.Start();

    public void StopCalibration() => _controller.Stop();

    public async Task ResetSubjectAsync(CancellationToken cancellationToken)
    {
        _store.Delete(_options.Subject);
        if (_device is { } device && _model is not null)
        {
            await device.RunAsync(LoadStartingWeightsAsync).WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        _controller.Reset();
    }

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var ct = stop.Token;
        var subscriptions = new List<IDisposable>();
        try
        {
            var dataInfo = await ResolveAsync(_options.Input.Query, ct).ConfigureAwait(false);
            var markerInfo = await ResolveAsync(_options.Markers.Query, ct).ConfigureAwait(false);
            await using var data = new StreamInlet(dataInfo, processing: ProcessingOptions.ClockSync | ProcessingOptions.Dejitter, config: _lsl);
            await using var markers = new StreamInlet(markerInfo, processing: ProcessingOptions.ClockSync, config: _lsl);
            await data.OpenStreamAsync(10, ct).ConfigureAwait(false);
            await markers.OpenStreamAsync(10, ct).ConfigureAwait(false);
            var full = await data.GetFullInfoAsync(10, ct).ConfigureAwait(false);
            _inputStream = $"{full.Name} ({full.SourceId})";
            var stream = _metrics.ForStream(full.Name);
            Watch(data, stream);

            var plan = SessionPlan.From(_options, full);
            _model = SessionModel.Blob(_options, plan);
            _architecture = SubjectStore.ArchitectureCrc(_model);
            var quality = SessionPipeline.Quality(plan, _options.Input);
            var channelNames = plan.Channels.Select(c => full.GetChannels().ElementAtOrDefault(c)?.Label is { Length: > 0 } label ? label : c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            quality.EpisodeStarted += e => OnBadInput(full.Name, channelNames[e.Channel], e);

            // An unplugged board at boot is normal: the device is retried for ever, and the session waits.
            await using var resilient = new ResilientDevice(OpenDeviceAsync, Timeout.InfiniteTimeSpan) { MaxBackoff = DeviceRetryCap };
            resilient.Unreachable += OnDeviceUnreachable;
            resilient.Reached += OnDeviceReached;
            var device = new SessionDevice(resilient, new InputMirror(plan.Channels.Length, plan.WindowSamples), new SessionDeviceOptions
            {
                Format = _options.Inference.SampleFormat(),
                Standardise = _options.Pipeline.Normalize == NormalizeMode.ZScore,
                DeadlineSeconds = _options.Inference.DeadlineSeconds,
                Clock = LslClock.LocalClock,
            }, Publish);
            _device = device;
            var owner = device.RunAsync(ct);

            var modelPlan = await device.RunAsync((d, c) => d.LoadModelAsync(_model, _options.Calibration.TrainingConfig(), c)).ConfigureAwait(false);
            Plan = modelPlan;
            _metrics.DevicePeakMemory.Set(modelPlan.PeakBytes + modelPlan.RingBytes);
            var restored = await RestoreOrStartAsync(device, ct).ConfigureAwait(false);

            using var outlet = new PredictionOutlet(_options.Output.Name, _sourceId, _options.Markers.Classes, _options.Subject, _lsl);
            _outlet = outlet;
            using var signal = new LslSignalSource(data, full.ChannelCount, full.NominalSrate, full.SourceId);
            using var cues = new LslMarkerSource(markers);
            var preprocessed = SessionPipeline.Preprocess(signal.Chunks, plan, _options.Pipeline, Counters, quality).Publish();
            var cueStream = cues.Markers.Publish();
            subscriptions.Add(preprocessed.Subscribe(new InferenceFeed(device, new WindowClock(plan.WindowSamples, plan.StrideSamples, Counters), () => signal.PulledAt, _metrics, quality, Counters, (plan.WindowSamples - 1) / plan.Rate)));
            subscriptions.Add(SessionPipeline.LabelledEpochs(preprocessed, cueStream, plan, _options, Counters, quality).Subscribe(OnEpoch));
            subscriptions.Add(cueStream.Subscribe(m => _controller.OnMarker(m.Value)));
            subscriptions.Add(cueStream.Connect());
            subscriptions.Add(preprocessed.Connect());

            if (restored is { } saved)
            {
                _controller.BeginRestored(saved.CalibrationAccuracy, saved.AdaptationRounds);
            }
            else
            {
                _controller.BeginUncalibrated();
            }

            var rounds = new TrainingRounds(_options, device, _controller, _metrics, Work, PersistAsync, _logger);
            var tasks = new[] { owner, signal.RunAsync(ct), cues.RunAsync(ct), rounds.RunAsync(ct), MetricsLoopAsync(data, signal, stream, quality, channelNames, ct) };
            await Task.WhenAny(tasks).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(tasks).ConfigureAwait(false);
            End(SessionState.Stopped); // the loops may also end quietly on the stop, without throwing
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            End(SessionState.Stopped);
        }
        catch (Exception e) when (e is DeviceException or LslException or ModelFormatException or InvalidOperationException)
        {
            _lastError = e.Message;
            End(SessionState.Failed);
            LogFailed(e.Message);
            throw;
        }
        finally
        {
            foreach (var s in subscriptions)
            {
                s.Dispose();
            }

            _outlet = null;
            _device = null;
            _metrics.DeviceUp.Set(0);
        }
    }

    private async Task<StreamInfo> ResolveAsync(string query, CancellationToken ct)
    {
        while (true)
        {
            Beat();
            var found = await StreamResolver.ResolveAllAsync(query, 1.0, _lsl, ct).ConfigureAwait(false);
            if (found.Count > 0)
            {
                if (found.Count > 1)
                {
                    LogAmbiguous(query, found.Count);
                }

                return found.OrderByDescending(s => s.CreatedAt).First(); // the newest, as field convention says
            }
        }
    }

    private Task<DeviceConnection> OpenDeviceAsync(CancellationToken ct)
    {
        var address = DeviceAddress.Parse(_options.Device);
        var slow = address.Kind == DeviceAddressKind.EmulatorQemu;
        var client = new DeviceClientOptions
        {
            RequestTimeout = TimeSpan.FromSeconds(slow ? 120 : 20),
            AttemptTimeout = TimeSpan.FromSeconds(slow ? 20 : 1),
            RequestCompleted = (type, time, _) => _metrics.DeviceRequest(type).Observe(time.TotalSeconds),
        };
        return DeviceConnection.OpenAsync(address, client, _virtualDevice, ct);
    }

    /// <summary>The subject's saved weights if they fit this model (returned), else the configured starting weights (null).</summary>
    private async Task<SubjectWeights?> RestoreOrStartAsync(SessionDevice device, CancellationToken ct)
    {
        var (saved, problem) = await _store.LoadAsync(_options.Subject, _architecture, ct).ConfigureAwait(false);
        if (problem is not null)
        {
            LogPersistenceProblem(problem);
        }

        if (saved is not null)
        {
            await device.RunAsync((d, c) => d.WriteWeightsAsync(saved.Weights, c)).ConfigureAwait(false);
            LogRestored(_options.Subject, saved.SavedAt);
            return saved;
        }

        await device.RunAsync(LoadStartingWeightsAsync).ConfigureAwait(false);
        return null;
    }

    private async Task<bool> LoadStartingWeightsAsync(ResilientDevice device, CancellationToken ct)
    {
        if (_options.Model.InitialWeights is { } path)
        {
            var weights = await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);
            await device.WriteWeightsAsync(weights, ct).ConfigureAwait(false);
        }
        else
        {
            await device.LoadModelAsync(_model!, _options.Calibration.TrainingConfig(), ct).ConfigureAwait(false);
        }

        return true;
    }

    private void OnEpoch(LabelledWindow epoch)
    {
        _metrics.EpochWindows.Inc();
        _controller.OnEpoch(new LabelledSample(epoch.Window.Values.ToArray(), epoch.Label), epoch.Marker.Timestamp);
    }

    /// <summary>A prediction back from the device: out over LSL at once, then the figures.</summary>
    private void Publish(ServedPrediction served)
    {
        var reply = served.Reply;
        _outlet?.Push(reply.Probabilities, reply.Predicted, served.Request.Timestamp);
        var now = LslClock.LocalClock();
        var latency = now - served.Request.Timestamp;
        var host = Math.Max(0, now - served.Request.ArrivedAt - served.DeviceSeconds);
        _metrics.Predictions.Inc();
        _metrics.EndToEndLatency.Observe(latency);
        _metrics.PipelineLatency.Observe(host);
        _metrics.DeviceWork(reply.Instructions, reply.EstimatedEnergyMicrojoules, reply.EstimatedCycles);
        Work.Predicted(reply);
        if (!double.IsNaN(_lastPublished))
        {
            _metrics.PredictionGap.Set(now - _lastPublished);
        }

        _lastPublished = now;
        Interlocked.Increment(ref _predictions);
        lock (_recent)
        {
            if (_recent.Count == LatencyHistory)
            {
                _recent.Dequeue();
            }

            _recent.Enqueue(new PredictionRecord(now, served.Request.EndSample, reply.Predicted, latency, host, served.DeviceSeconds, served.LinkBytes));
        }
    }

    private async Task PersistAsync(CancellationToken ct)
    {
        var weights = await _device!.RunAsync((d, c) => d.ReadWeightsAsync(c)).ConfigureAwait(false);
        var state = _controller.Snapshot;
        await _store.SaveAsync(
            new SubjectWeights(_options.Subject, _options.Model.Name, _architecture, weights.Crc, weights.Bytes.Length / 4, state.Accuracy, state.AdaptationRounds, DateTimeOffset.UtcNow)
            {
                Weights = weights.Bytes,
            },
            ct).ConfigureAwait(false);
    }

    private async Task MetricsLoopAsync(StreamInlet data, LslSignalSource signal, StreamMetrics stream, InputQuality quality, string[] channelNames, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        long lastSamples = 0, lastGaps = 0, lastRestores = 0, lastExpired = 0, lastOverflowed = 0, lastFailed = 0, lastSent = 0, lastReceived = 0, lastBadEpochs = 0;
        var badSamples = channelNames.Select(stream.BadSamples).ToArray();
        var lastBad = new long[channelNames.Length];
        stream.NominalRate.Set(data.Info.NominalSrate);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                Beat();
                var samples = signal.Samples;
                stream.Samples.Inc(samples - lastSamples);
                stream.EffectiveRate.Set(samples - lastSamples);
                lastSamples = samples;
                _metrics.Gaps.Inc(Counters.Gaps - lastGaps);
                lastGaps = Counters.Gaps;
                stream.Up.Set(data.IsConnected ? 1 : 0);
                for (var c = 0; c < badSamples.Length; c++)
                {
                    Advance(badSamples[c], quality.BadSamples(c), ref lastBad[c]);
                }

                Advance(_metrics.EpochsDroppedForBadInput, Counters.EpochsDroppedForBadInput, ref lastBadEpochs);
                var correction = data.TimeCorrectionUncertainty < double.PositiveInfinity ? await data.TimeCorrectionAsync(0.1, ct).ConfigureAwait(false) : 0;
                stream.ClockOffset.Set(correction);
                if (_device is { } device)
                {
                    Advance(_metrics.DeviceRestores, device.Device.Restores, ref lastRestores);
                    Advance(_metrics.DroppedForDeadline, device.PredictionsExpired, ref lastExpired);
                    Advance(_metrics.DroppedForOverflow, device.PredictionsOverflowed + device.PredictionsUnavailable, ref lastOverflowed);
                    Advance(_metrics.DroppedOnDevice, device.PredictionsFailed, ref lastFailed);
                    if (device.Device.Connection?.Client.Counters is { } link)
                    {
                        // Per connection: a new connection starts its counters at 0.
                        lastSent = link.BytesSent < lastSent ? 0 : lastSent;
                        lastReceived = link.BytesReceived < lastReceived ? 0 : lastReceived;
                        Advance(_metrics.LinkBytesSent, link.BytesSent, ref lastSent);
                        Advance(_metrics.LinkBytesReceived, link.BytesReceived, ref lastReceived);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private static void Advance(Prometheus.Counter.Child counter, long total, ref long last)
    {
        if (total > last)
        {
            counter.Inc(total - last);
        }

        last = total;
    }

    private static void Watch(StreamInlet inlet, StreamMetrics stream)
    {
        inlet.ConnectionLost += (_, _) => stream.Up.Set(0);
        inlet.ConnectionRecovered += (_, _) =>
        {
            stream.Up.Set(1);
            stream.Reconnects.Inc();
        };
    }

    /// <summary>One line per spoiled range, at most one every 10 s (a stream of NaN must not flood the journal).</summary>
    private void OnBadInput(string stream, string channel, BadInputEpisode episode)
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastBadInputLog);
        if (now - last >= 10_000 && Interlocked.CompareExchange(ref _lastBadInputLog, now, last) == last)
        {
            LogBadInput(stream, channel, episode.Kind, _options.Input.BadInputSettleSeconds);
        }
    }

    private void OnDeviceUnreachable(DeviceException e)
    {
        Beat(); // retrying (at most 10 s apart) is the loop alive: the systemd watchdog must not restart the daemon for an unplugged board
        _metrics.DeviceConnectFailures.Inc();
        _metrics.DeviceUp.Set(0);
        if (_deviceProblem is null)
        {
            LogDeviceDown(_options.Device, e.Message);
        }

        _deviceProblem = e.Message;
    }

    private void OnDeviceReached()
    {
        Beat();
        _metrics.DeviceUp.Set(1);
        if (_deviceProblem is not null)
        {
            LogDeviceUp(_options.Device);
        }

        _deviceProblem = null;
    }

    /// <summary>The session's own end, logged once.</summary>
    private void End(SessionState state)
    {
        if (_ended is null)
        {
            _ended = state;
            OnStateChanged(state);
        }
    }

    private void OnStateChanged(SessionState state)
    {
        _metrics.State(state);
        LogState(new StateWords(state)); // words, not the enum's name: the journal is read by people
        StateChanged?.Invoke(state);
    }

    private void Beat() => Interlocked.Exchange(ref _heartbeat, DateTimeOffset.UtcNow.UtcTicks);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "state: {State}")]
    private partial void LogState(StateWords state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "input {Stream} channel {Channel} sent {Kind}: replaced, and windows within {Settle} s of it are not used")]
    private partial void LogBadInput(string stream, string channel, string kind, double settle);

    [LoggerMessage(Level = LogLevel.Warning, Message = "device {Device} unreachable: {Reason}; retrying")]
    private partial void LogDeviceDown(string device, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "device {Device} connected")]
    private partial void LogDeviceUp(string device);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} streams match {Query}; using the newest")]
    private partial void LogAmbiguous(string query, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Problem}")]
    private partial void LogPersistenceProblem(string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "restored the adapted weights of {Subject} saved {SavedAt}")]
    private partial void LogRestored(string subject, DateTimeOffset savedAt);

    [LoggerMessage(Level = LogLevel.Error, Message = "session failed: {Error}")]
    private partial void LogFailed(string error);
}

/// <summary>
/// One published prediction: when (LSL clock), for which window (the input sample it ends with,
/// counted from the session's first), the class, its latencies in seconds (end to end: last
/// sample's timestamp to publication; host: the sample's arrival to publication, less the device
/// request; device), and the frame bytes it cost on the device link.
/// </summary>
public readonly record struct PredictionRecord(double PublishedAt, long EndSample, int Predicted, double EndToEnd, double Host, double Device, long LinkBytes);
