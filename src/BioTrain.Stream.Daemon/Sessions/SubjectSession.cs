using System.Reactive.Linq;
using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Daemon.Metrics;
using BioTrain.Stream.Daemon.Persistence;
using BioTrain.Stream.Device;
using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Device.Client;
using BioTrain.Stream.Device.Emulation;
using BioTrain.Stream.Device.Protocol.Messages;
using BioTrain.Stream.Lsl;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Lsl.Discovery;
using BioTrain.Stream.Lsl.Info;
using BioTrain.Stream.Lsl.Inlet;
using BioTrain.Stream.Models;
using BioTrain.Stream.Pipeline;
using BioTrain.Stream.Pipeline.Batching;
using BioTrain.Stream.Pipeline.Dsp;
using BioTrain.Stream.Pipeline.Epochs;
using BioTrain.Stream.Pipeline.Metrics;
using BioTrain.Stream.Pipeline.Operators;
using Microsoft.Extensions.Logging;

namespace BioTrain.Stream.Daemon.Sessions;

/// <summary>
/// One subject's session (issue 7): finds its streams, loads the model onto the device (restoring
/// the subject's adapted weights when they exist), calibrates from labelled epochs, then predicts
/// on sliding windows and publishes the results over LSL, fine-tuning again as labelled epochs keep
/// coming. States: waiting for streams, calibrating, training, running, adapting.
/// </summary>
public sealed partial class SubjectSession : ISessionRunner, IAsyncDisposable
{
    private readonly SessionOptions _options;
    private readonly DaemonMetrics _metrics;
    private readonly SubjectStore _store;
    private readonly LslConfig _lsl;
    private readonly ILogger _logger;
    private readonly VirtualDeviceOptions? _virtualDevice;
    private readonly SemaphoreSlim _deviceLock = new(1, 1);
    private readonly CalibrationSet _calibration = new();
    private readonly CalibrationSet _adaptation = new();
    private readonly Lock _gate = new();
    private readonly List<IDisposable> _subscriptions = [];
    private readonly string _sourceId;
    private readonly Queue<(double Total, double Device)> _latencies = new();
    private SessionState _state = SessionState.WaitingForStreams;
    private bool _collecting;
    private bool _stopRequested;
    private bool _startRequested;
    private bool _calibrated;
    private bool _restored;
    private double? _accuracy;
    private double? _accuracyBefore;
    private int _adaptationRounds;
    private long _predictions;
    private string? _inputStream;
    private string? _lastError;
    private long _heartbeat = DateTimeOffset.UtcNow.UtcTicks;
    private ResilientDevice? _device;
    private BoundedBridge<SignalWindow>? _bridge;
    private byte[]? _model;
    private uint _architecture;

    public SubjectSession(SessionOptions options, DaemonMetrics metrics, SubjectStore store, LslConfig lsl, ILogger logger, VirtualDeviceOptions? virtualDevice = null)
    {
        _options = options;
        _metrics = metrics;
        _store = store;
        _lsl = lsl;
        _logger = logger;
        _virtualDevice = virtualDevice;
        _sourceId = options.Output.SourceId ?? $"biotrain-{options.Name}";
    }

    public string Name => _options.Name;

    public DateTimeOffset LastHeartbeat => new(Interlocked.Read(ref _heartbeat), TimeSpan.Zero);

    /// <summary>Held-out accuracy of the unadapted model, measured just before calibration trained it.</summary>
    public double? AccuracyBeforeCalibration => _accuracyBefore;

    /// <summary>The pipeline's counters (samples, windows, gaps, epochs, drops).</summary>
    public PipelineCounters Counters { get; } = new();

    /// <summary>
    /// The last 4096 predictions' latencies in seconds: from the window's last input sample to the
    /// prediction pushed, and the device's predict request within it.
    /// </summary>
    public IReadOnlyList<(double Total, double Device)> RecentLatencies
    {
        get
        {
            lock (_latencies)
            {
                return [.. _latencies];
            }
        }
    }

    /// <summary>The device behind the session, once the model is loaded.</summary>
    public ResilientDevice? Device => _device;

    public SessionStatus Status
    {
        get
        {
            var perClass = _options.Markers.Classes.Select((c, i) => (c, n: (_state == SessionState.Running || _calibrated ? _adaptation : _calibration).TrialsOf(i)))
                .ToDictionary(x => x.c, x => x.n, StringComparer.Ordinal);
            return new SessionStatus(
                Name, _options.Subject, _state, _options.Device, _inputStream, perClass, _options.Calibration.TrialsPerClass, _calibrated, _accuracyBefore, _accuracy, _restored,
                _adaptationRounds, Interlocked.Read(ref _predictions), _bridge?.Dropped ?? 0,
                new PipelineFigures(Counters.SamplesIn, Counters.Gaps, Counters.MissingSamples, Counters.Windows, Counters.Markers, Counters.MarkersIgnored, Counters.MarkersLost, Counters.Epochs),
                _lastError);
        }
    }

    public void StartCalibration()
    {
        lock (_gate)
        {
            _startRequested = true;
        }
    }

    public void StopCalibration()
    {
        lock (_gate)
        {
            _stopRequested = true;
        }
    }

    public async Task ResetSubjectAsync(CancellationToken cancellationToken)
    {
        _store.Delete(_options.Subject);
        if (_device is not null && _model is not null)
        {
            // Back to the starting weights: reload the model as configured.
            await _deviceLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await LoadStartingWeightsAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _deviceLock.Release();
            }
        }

        lock (_gate)
        {
            _calibrated = false;
            _restored = false;
            _accuracy = null;
            _adaptationRounds = 0;
            _adaptation.Drain();
            _calibration.Drain();
            _startRequested = _options.Calibration.Start == "auto";
        }
    }

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var ct = stop.Token;
        try
        {
            SetState(SessionState.WaitingForStreams);
            var dataInfo = await ResolveAsync(_options.Input.Query, ct).ConfigureAwait(false);
            var markerInfo = await ResolveAsync(_options.Markers.Query, ct).ConfigureAwait(false);
            await using var data = new StreamInlet(dataInfo, processing: ProcessingOptions.ClockSync | ProcessingOptions.Dejitter, config: _lsl);
            await using var markers = new StreamInlet(markerInfo, processing: ProcessingOptions.ClockSync, config: _lsl);
            await data.OpenStreamAsync(10, ct).ConfigureAwait(false);
            await markers.OpenStreamAsync(10, ct).ConfigureAwait(false);
            var full = await data.GetFullInfoAsync(10, ct).ConfigureAwait(false);
            _inputStream = $"{full.Name} ({full.SourceId})";
            Watch(data, full.Name);

            var plan = SessionPlan.From(_options, full);
            _model = SessionModel.Blob(_options, plan);
            _architecture = SubjectStore.ArchitectureCrc(_model);
            await using var device = new ResilientDevice(OpenDeviceAsync, TimeSpan.FromSeconds(60));
            _device = device;
            var modelPlan = await device.LoadModelAsync(_model, TrainingConfigOf(_options.Calibration), ct).ConfigureAwait(false);
            _metrics.DevicePeakMemory.WithLabels(Name).Set(modelPlan.PeakBytes);
            _metrics.DeviceUp.WithLabels(Name).Set(1);
            await RestoreOrStartAsync(ct).ConfigureAwait(false);

            using var outlet = new PredictionOutlet(_options.Output.Name, _sourceId, _options.Markers.Classes, _options.Subject, _lsl);
            using var signal = new LslSignalSource(data, full.ChannelCount, full.NominalSrate, full.SourceId);
            using var cues = new LslMarkerSource(markers);
            BuildPipeline(signal, cues, plan);
            var tasks = new[]
            {
                signal.RunAsync(ct),
                cues.RunAsync(ct),
                InferenceLoopAsync(outlet, ct),
                ControlLoopAsync(ct),
                MetricsLoopAsync(data, signal, ct),
            };
            await Task.WhenAny(tasks).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            SetState(SessionState.Stopped);
        }
        catch (Exception e) when (e is DeviceException or LslException or ModelFormatException or InvalidOperationException)
        {
            _lastError = e.Message;
            SetState(SessionState.Failed);
            LogFailed(e.Message);
            throw;
        }
        finally
        {
            foreach (var s in _subscriptions)
            {
                s.Dispose();
            }

            _subscriptions.Clear();
            _bridge?.Dispose();
            _device = null;
            _metrics.DeviceUp.WithLabels(Name).Set(0);
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
            RequestCompleted = (type, time, ok) => _metrics.DeviceRequest.WithLabels(Name, type.ToString()).Observe(time.TotalSeconds),
        };
        return DeviceConnection.OpenAsync(address, client, _virtualDevice, ct);
    }

    private static TrainingConfig TrainingConfigOf(CalibrationOptions c) => new()
    {
        Optimizer = c.Optimizer == "sgd" ? Optimizer.Sgd : Optimizer.Adam,
        LearningRate = (float)c.LearningRate,
        Momentum = 0.9f,
        BatchSize = (ushort)c.BatchSize,
        Scope = c.Scope switch
        {
            "last" => TrainScope.Last,
            "bias" => TrainScope.Bias,
            "frozen" => TrainScope.Frozen,
            _ => TrainScope.Full,
        },
        NormMode = c.Norm switch
        {
            "batch" => NormMode.Batch,
            "frozen" => NormMode.Frozen,
            _ => NormMode.Group,
        },
    };

    /// <summary>The subject's saved weights if they fit this model, else the configured starting weights.</summary>
    private async Task RestoreOrStartAsync(CancellationToken ct)
    {
        var (saved, problem) = await _store.LoadAsync(_options.Subject, _architecture, ct).ConfigureAwait(false);
        if (problem is not null)
        {
            LogPersistenceProblem(problem);
        }

        if (saved is not null)
        {
            await _device!.WriteWeightsAsync(saved.Weights, ct).ConfigureAwait(false);
            _restored = _calibrated = true;
            _accuracy = saved.CalibrationAccuracy;
            _adaptationRounds = saved.AdaptationRounds;
            LogRestored(_options.Subject, saved.SavedAt);
            return;
        }

        await LoadStartingWeightsAsync(ct).ConfigureAwait(false);
        _startRequested = _options.Calibration.Start == "auto";
    }

    private async Task LoadStartingWeightsAsync(CancellationToken ct)
    {
        if (_options.Model.InitialWeights is { } path)
        {
            var weights = await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);
            await _device!.WriteWeightsAsync(weights, ct).ConfigureAwait(false);
        }
        else
        {
            await _device!.LoadModelAsync(_model!, TrainingConfigOf(_options.Calibration), ct).ConfigureAwait(false);
        }
    }

    private void BuildPipeline(LslSignalSource signal, LslMarkerSource cues, SessionPlan plan)
    {
        var shared = SessionPipeline.Preprocess(signal.Chunks, plan, _options.Pipeline, Counters).Publish();
        var markers = cues.Markers.Publish();
        _bridge = SessionPipeline.InferenceWindows(shared, plan, _options.Pipeline, Counters).Owned().ToBoundedChannel(4, BridgeFullMode.DropOldest, Counters);
        _subscriptions.Add(SessionPipeline.LabelledEpochs(shared, markers, plan, _options, Counters).Subscribe(OnEpoch));
        _subscriptions.Add(markers.Subscribe(OnMarker));
        _subscriptions.Add(markers.Connect());
        _subscriptions.Add(shared.Connect());
    }

    private void OnMarker(Marker marker)
    {
        lock (_gate)
        {
            if (marker.Value == _options.Markers.CalibrationStart)
            {
                _startRequested = true;
            }
            else if (marker.Value == _options.Markers.CalibrationEnd)
            {
                _stopRequested = true;
            }
        }
    }

    private void OnEpoch(LabelledWindow epoch)
    {
        _metrics.Windows.WithLabels(Name, "epoch").Inc();
        var sample = new LabelledSample(epoch.Window.Values.ToArray(), epoch.Label);
        lock (_gate)
        {
            if (_collecting)
            {
                _calibration.Add(sample, epoch.Marker.Timestamp);
            }
            else if (_calibrated && _options.Adaptation.Enabled && _options.Calibration.Scope != "frozen")
            {
                _adaptation.Add(sample, epoch.Marker.Timestamp);
            }
        }
    }

    private async Task InferenceLoopAsync(PredictionOutlet outlet, CancellationToken ct)
    {
        var values = Array.Empty<float>();
        try
        {
            await foreach (var window in _bridge!.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                using (window)
                {
                    _metrics.Windows.WithLabels(Name, "inference").Inc();
                    if (values.Length != window.Values.Length)
                    {
                        values = new float[window.Values.Length];
                    }

                    window.Values.CopyTo(values);
                    await _deviceLock.WaitAsync(ct).ConfigureAwait(false);
                    Prediction prediction;
                    var deviceStart = LslClock.LocalClock();
                    try
                    {
                        prediction = await _device!.PredictAsync(values, ct).ConfigureAwait(false);
                    }
                    finally
                    {
                        _deviceLock.Release();
                    }

                    var deviceSeconds = LslClock.LocalClock() - deviceStart;
                    outlet.Push(prediction.Probabilities.ToArray(), prediction.PredictedClass, window.Timestamp);
                    var latency = LslClock.LocalClock() - window.Timestamp;
                    _metrics.EndToEndLatency.WithLabels(Name).Observe(latency);
                    _metrics.PipelineLatency.WithLabels(Name).Observe(Math.Max(0, latency - deviceSeconds));
                    lock (_latencies)
                    {
                        if (_latencies.Count == 4096)
                        {
                            _latencies.Dequeue();
                        }

                        _latencies.Enqueue((latency, deviceSeconds));
                    }
                    _metrics.Predictions.WithLabels(Name).Inc();
                    Interlocked.Increment(ref _predictions);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task ControlLoopAsync(CancellationToken ct)
    {
        SetState(_calibrated ? SessionState.Running : _startRequested ? SessionState.Calibrating : SessionState.Running);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                Beat();
                bool start;
                bool stop;
                lock (_gate)
                {
                    start = _startRequested;
                    stop = _stopRequested;
                    _startRequested = _stopRequested = false;
                    if (start)
                    {
                        _collecting = true;
                    }
                }

                if (start)
                {
                    _calibration.Drain();
                    SetState(SessionState.Calibrating);
                }

                if (_state == SessionState.Calibrating
                    && (stop || _calibration.HasTrials(_options.Markers.Classes.Count, _options.Calibration.TrialsPerClass)))
                {
                    lock (_gate)
                    {
                        _collecting = false;
                    }

                    await CalibrateAsync(ct).ConfigureAwait(false);
                }
                else if (_state == SessionState.Running && _calibrated && _adaptation.Count >= _options.Adaptation.Every)
                {
                    await AdaptAsync(ct).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task CalibrateAsync(CancellationToken ct)
    {
        var trainer = new DeviceTrainer(_device!, _deviceLock, _metrics, Name);
        var (train, held) = _calibration.Split(_options.Calibration.HoldOutFraction, seed: 17);
        if (train.Count == 0)
        {
            SetState(SessionState.Running);
            return;
        }

        SetState(SessionState.Training);
        _accuracyBefore = await trainer.AccuracyAsync(held, ct).ConfigureAwait(false);
        if (_options.Calibration.Scope != "frozen")
        {
            var round = await trainer.TrainAsync(train, _options.Calibration.Epochs, _options.Calibration.BatchSize, 17, ct).ConfigureAwait(false);
            LogTrained(round.Samples, round.Seconds, round.FinalLoss);
        }

        _accuracy = await trainer.AccuracyAsync(held, ct).ConfigureAwait(false) ?? _accuracy;
        if (_accuracy is { } a)
        {
            _metrics.CalibrationAccuracy.WithLabels(Name).Set(a);
        }

        _calibrated = true;
        await PersistAsync(ct).ConfigureAwait(false);
        LogCalibrated(_accuracyBefore, _accuracy, train.Count, held.Count);
        SetState(SessionState.Running);
    }

    private async Task AdaptAsync(CancellationToken ct)
    {
        SetState(SessionState.Adapting);
        var fresh = _adaptation.Drain();
        var rehearsal = _calibration.Snapshot();
        var random = new Random(_adaptationRounds);
        var replay = rehearsal.OrderBy(_ => random.Next()).Take(_options.Adaptation.Rehearsal);
        var trainer = new DeviceTrainer(_device!, _deviceLock, _metrics, Name);
        await trainer.TrainAsync([.. fresh, .. replay], _options.Adaptation.Epochs, _options.Calibration.BatchSize, _adaptationRounds, ct).ConfigureAwait(false);
        foreach (var s in fresh)
        {
            _calibration.Add(s, double.NaN); // rehearsed in later rounds too
        }

        _adaptationRounds++;
        await PersistAsync(ct).ConfigureAwait(false);
        SetState(SessionState.Running);
    }

    private async Task PersistAsync(CancellationToken ct)
    {
        await _deviceLock.WaitAsync(ct).ConfigureAwait(false);
        WeightsSnapshot weights;
        try
        {
            weights = await _device!.ReadWeightsAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _deviceLock.Release();
        }

        await _store.SaveAsync(
            new SubjectWeights(_options.Subject, _options.Model.Name, _architecture, weights.Crc, weights.Bytes.Length / 4, _accuracy, _adaptationRounds, DateTimeOffset.UtcNow)
            {
                Weights = weights.Bytes,
            },
            ct).ConfigureAwait(false);
    }

    private async Task MetricsLoopAsync(StreamInlet data, LslSignalSource signal, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        long lastSamples = 0;
        long lastGaps = 0;
        long lastRestores = 0;
        var stream = data.Info.Name;
        _metrics.InputRate.WithLabels(Name, stream, "nominal").Set(data.Info.NominalSrate);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                Beat();
                var samples = signal.Samples;
                _metrics.InputSamples.WithLabels(Name, stream).Inc(samples - lastSamples);
                _metrics.InputRate.WithLabels(Name, stream, "effective").Set(samples - lastSamples);
                lastSamples = samples;
                _metrics.Gaps.WithLabels(Name).Inc(Counters.Gaps - lastGaps);
                lastGaps = Counters.Gaps;
                _metrics.StreamUp.WithLabels(Name, stream).Set(data.IsConnected ? 1 : 0);
                var correction = data.TimeCorrectionUncertainty < double.PositiveInfinity ? await data.TimeCorrectionAsync(0.1, ct).ConfigureAwait(false) : 0;
                _metrics.ClockOffset.WithLabels(Name, stream).Set(correction);
                if (_device is { } device && device.Restores != lastRestores)
                {
                    _metrics.DeviceRestores.WithLabels(Name).Inc(device.Restores - lastRestores);
                    lastRestores = device.Restores;
                }

                _metrics.DroppedWindows.WithLabels(Name).IncTo(_bridge?.Dropped ?? 0);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private void Watch(StreamInlet inlet, string stream)
    {
        inlet.ConnectionLost += (_, _) => _metrics.StreamUp.WithLabels(Name, stream).Set(0);
        inlet.ConnectionRecovered += (_, _) =>
        {
            _metrics.StreamUp.WithLabels(Name, stream).Set(1);
            _metrics.StreamReconnects.WithLabels(Name, stream).Inc();
        };
    }

    private void SetState(SessionState state)
    {
        _metrics.SessionState.WithLabels(Name, _state.ToString()).Set(0);
        _state = state;
        _metrics.SessionState.WithLabels(Name, state.ToString()).Set(1);
        LogState(state);
    }

    private void Beat() => Interlocked.Exchange(ref _heartbeat, DateTimeOffset.UtcNow.UtcTicks);

    public ValueTask DisposeAsync()
    {
        _deviceLock.Dispose();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{State}")]
    private partial void LogState(SessionState state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} streams match {Query}; using the newest")]
    private partial void LogAmbiguous(string query, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Problem}")]
    private partial void LogPersistenceProblem(string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "restored the adapted weights of {Subject} saved {SavedAt}")]
    private partial void LogRestored(string subject, DateTimeOffset savedAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "trained {Samples} samples in {Seconds:0.0} s, last loss {Loss:0.000}")]
    private partial void LogTrained(int samples, double seconds, double loss);

    [LoggerMessage(Level = LogLevel.Information, Message = "calibrated: held-out accuracy {Before} before, {After} after ({Train} training, {Held} held-out epochs)")]
    private partial void LogCalibrated(double? before, double? after, int train, int held);

    [LoggerMessage(Level = LogLevel.Error, Message = "session failed: {Error}")]
    private partial void LogFailed(string error);
}
