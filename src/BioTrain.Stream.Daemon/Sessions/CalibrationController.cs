using System.Threading.Channels;
using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Device.Client;

namespace BioTrain.Stream.Daemon.Sessions;

/// <summary>A round of training the controller asks for; the session runs it on the device and reports back.</summary>
public abstract record TrainingRequest;

/// <summary>Calibration: train on <paramref name="Train"/>, measure accuracy on <paramref name="HeldOut"/> before and after.</summary>
public sealed record CalibrationRequest(IReadOnlyList<LabelledSample> Train, IReadOnlyList<LabelledSample> HeldOut) : TrainingRequest;

/// <summary>Adaptation: fine-tune on fresh labelled epochs and a rehearsal of calibration epochs.</summary>
/// <param name="Check">Held-out epochs (never trained on) that tell whether the round collapsed the model; may be empty.</param>
public sealed record AdaptationRequest(IReadOnlyList<LabelledSample> Fresh, IReadOnlyList<LabelledSample> Rehearsal, int Round, IReadOnlyList<LabelledSample> Check) : TrainingRequest;

/// <summary>How an adaptation round ended.</summary>
public enum AdaptationResult
{
    /// <summary>Trained; the new weights stay.</summary>
    Trained,

    /// <summary>The device failed or refused it; the weights from before it were put back where possible.</summary>
    Failed,

    /// <summary>Trained, but accuracy on the check set collapsed: the weights from before it were put back.</summary>
    RolledBack,
}

/// <summary>What a finished calibration round measured (null accuracies: nothing held out).</summary>
public sealed record CalibrationOutcome(double? AccuracyBefore, double? AccuracyAfter);

/// <summary>A finished round for the status page's history: held-out accuracy before and after (null: nothing held out).</summary>
public sealed record RoundRecord(string Kind, DateTimeOffset At, double? Before, double? After);

/// <summary>What the controller shows of itself.</summary>
public sealed record CalibrationSnapshot(
    SessionState State,
    bool Calibrated,
    bool Restored,
    IReadOnlyDictionary<string, int> TrialsPerClass,
    double? AccuracyBefore,
    double? Accuracy,
    int AdaptationRounds,
    int Rollbacks = 0);

/// <summary>
/// The calibration policy of one session, driven by events and nothing else: start, stop, a
/// labelled epoch, a marker, a reset, a finished round. It decides when to collect, when a round of
/// training is due (<see cref="Requests"/>), and which state the session is in; it knows neither
/// LSL nor the device, so every transition is testable on its own. Thread-safe: the pipeline, the
/// control API and the round runner call it from their own threads.
/// </summary>
public sealed class CalibrationController
{
    private readonly Lock _gate = new();
    private readonly List<string> _classes;
    private readonly CalibrationOptions _calibration;
    private readonly AdaptationOptions _adaptation;
    private readonly MarkerOptions _markers;
    private readonly int _crops;
    private readonly CalibrationSet _collected = new();
    private readonly CalibrationSet _fresh = new();
    private readonly CalibrationSet _check = new();
    private readonly Channel<TrainingRequest> _requests = Channel.CreateUnbounded<TrainingRequest>(new UnboundedChannelOptions { SingleReader = true });
    private SessionState _state = SessionState.WaitingForStreams;
    private bool _collecting;
    private bool _calibrated;
    private bool _restored;
    private bool _roundRunning;
    private double? _accuracyBefore;
    private double? _accuracy;
    private int _rounds;
    private int _rollbacks;
    private bool _checkFromCalibration;
    private int _newTrials;
    private double _lastTrialTime = double.NaN;

    public CalibrationController(SessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _classes = options.Markers.Classes;
        _calibration = options.Calibration;
        _adaptation = options.Adaptation;
        _markers = options.Markers;
        _crops = options.Pipeline.EpochOffsetsSeconds.Count;
    }

    /// <summary>Raised once per change of state, with the new state, in order (under the controller's lock: do not call back).</summary>
    public event Action<SessionState>? StateChanged;

    /// <summary>Raised once per round that trained (under the controller's lock: do not call back).</summary>
    public event Action<RoundRecord>? RoundFinished;

    /// <summary>Rounds to run, one at a time, each answered by <see cref="CalibrationDone"/> or <see cref="AdaptationDone"/>.</summary>
    public ChannelReader<TrainingRequest> Requests => _requests.Reader;

    public SessionState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    public CalibrationSnapshot Snapshot
    {
        get
        {
            lock (_gate)
            {
                var counted = _calibrated ? _fresh : _collected;
                var perClass = _classes.Select((c, i) => (c, n: counted.TrialsOf(i))).ToDictionary(x => x.c, x => x.n, StringComparer.Ordinal);
                return new CalibrationSnapshot(_state, _calibrated, _restored, perClass, _accuracyBefore, _accuracy, _rounds, _rollbacks);
            }
        }
    }

    /// <summary>The streams are open and the device holds saved weights of this subject.</summary>
    public void BeginRestored(double? accuracy, int adaptationRounds)
    {
        lock (_gate)
        {
            _calibrated = _restored = true;
            _accuracy = accuracy;
            _rounds = adaptationRounds;
            SetState(SessionState.Running);
        }
    }

    /// <summary>The streams are open and the device holds the starting weights.</summary>
    public void BeginUncalibrated()
    {
        lock (_gate)
        {
            BeginUncalibratedLocked();
        }
    }

    /// <summary>Starts collecting calibration epochs from now on (the control API, or the start marker).</summary>
    public void Start()
    {
        lock (_gate)
        {
            StartLocked();
        }
    }

    /// <summary>Ends collection early and trains on what was collected (the control API, or the end marker).</summary>
    public void Stop()
    {
        lock (_gate)
        {
            if (_collecting)
            {
                CloseCollection();
            }
        }
    }

    public void OnMarker(string value)
    {
        if (value == _markers.CalibrationStart)
        {
            Start();
        }
        else if (value == _markers.CalibrationEnd)
        {
            Stop();
        }
    }

    /// <summary>A labelled epoch cut from the signal: collected for calibration, or for adaptation once calibrated.</summary>
    public void OnEpoch(LabelledSample sample, double markerTime)
    {
        lock (_gate)
        {
            if (_collecting)
            {
                _collected.Add(sample, markerTime);
                if (_collected.HasTrials(_classes.Count, _calibration.TrialsPerClass, _crops))
                {
                    CloseCollection();
                }
            }
            else if (_calibrated && _adaptation.Enabled && _calibration.Scope != TrainingScope.Frozen)
            {
                if (markerTime != _lastTrialTime)
                {
                    _lastTrialTime = markerTime;
                    _newTrials++;
                }

                // Every crop of a trial goes the same way, so the check set never holds a crop of a trained trial.
                if (_adaptation.CheckEvery > 0 && _newTrials % _adaptation.CheckEvery == 0 && ((!_checkFromCalibration && _check.Trials < _adaptation.CheckTrials) || _check.LastTrial == markerTime))
                {
                    _check.Add(sample, markerTime);
                    return;
                }

                _fresh.Add(sample, markerTime);
                if (!_roundRunning)
                {
                    NextAdaptation();
                }
            }
        }
    }

    /// <summary>A calibration round finished (or failed: null outcome keeps the old accuracies and state).</summary>
    public void CalibrationDone(CalibrationOutcome? outcome)
    {
        lock (_gate)
        {
            _roundRunning = false;
            if (outcome is not null)
            {
                _accuracyBefore = outcome.AccuracyBefore;
                _accuracy = outcome.AccuracyAfter ?? _accuracy;
                _calibrated = true;
                RoundFinished?.Invoke(new RoundRecord("calibration", DateTimeOffset.UtcNow, outcome.AccuracyBefore, outcome.AccuracyAfter));
            }

            NextAdaptation();
        }
    }

    /// <summary>
    /// An adaptation round finished: when it trained, its fresh epochs join the rehearsal pool; when it
    /// was rolled back they are dropped (they may be what collapsed it), and the accuracy stays.
    /// <paramref name="after"/> and <paramref name="before"/> are the check set's accuracy after and
    /// before the round's training (null: not measured); both go to the round history.
    /// </summary>
    public void AdaptationDone(AdaptationRequest round, AdaptationResult result, double? after = null, double? before = null)
    {
        ArgumentNullException.ThrowIfNull(round);
        lock (_gate)
        {
            _roundRunning = false;
            if (result == AdaptationResult.Trained)
            {
                var random = new Random(round.Round);
                foreach (var s in round.Fresh)
                {
                    _collected.Offer(s, _adaptation.RehearsalPool, random);
                }

                _rounds++;
                RoundFinished?.Invoke(new RoundRecord("adaptation", DateTimeOffset.UtcNow, before, after));
                _accuracy = after ?? _accuracy;
            }
            else if (result == AdaptationResult.RolledBack)
            {
                _rollbacks++;
                RoundFinished?.Invoke(new RoundRecord("adaptation, rolled back", DateTimeOffset.UtcNow, before, after));
            }

            NextAdaptation();
        }
    }

    /// <summary>Forgets the subject: back to the starting weights, uncalibrated; collects again when calibration starts by itself.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _calibrated = _restored = _collecting = false;
            _accuracy = _accuracyBefore = null;
            _rounds = 0;
            _fresh.Drain();
            _check.Drain();
            _checkFromCalibration = false;
            _collected.Drain();
            BeginUncalibratedLocked();
        }
    }

    private void BeginUncalibratedLocked()
    {
        if (_calibration.Start == CalibrationStart.Auto)
        {
            StartLocked();
        }
        else
        {
            SetState(SessionState.Running);
        }
    }

    private void StartLocked()
    {
        if (_roundRunning)
        {
            return; // a round holds the device; a start after it counts
        }

        _collected.Drain();
        _collecting = true;
        SetState(SessionState.Calibrating);
    }

    private void CloseCollection()
    {
        _collecting = false;
        var (train, held) = _collected.Split(_calibration.HoldOutFraction, seed: 17);
        _check.Drain();
        foreach (var s in held)
        {
            _check.Add(s, double.NaN);
        }

        _checkFromCalibration = held.Count > 0;

        if (train.Count == 0)
        {
            SetState(SessionState.Running);
            return;
        }

        _roundRunning = true;
        SetState(SessionState.Training);
        _requests.Writer.TryWrite(new CalibrationRequest(train, held));
    }

    /// <summary>Asks for an adaptation round when enough fresh epochs wait, else settles in Running (calibrated or not).</summary>
    private void NextAdaptation()
    {
        if (!_calibrated || _fresh.Count < _adaptation.Every)
        {
            SetState(_collecting ? SessionState.Calibrating : SessionState.Running);
            return;
        }

        var fresh = _fresh.Drain();
        var random = new Random(_rounds);
        var rehearsal = _collected.Snapshot().OrderBy(_ => random.Next()).Take(_adaptation.Rehearsal).ToArray();
        _roundRunning = true;
        SetState(SessionState.Adapting);
        _requests.Writer.TryWrite(new AdaptationRequest(fresh, rehearsal, _rounds, _check.Snapshot()));
    }

    /// <summary>Inside the lock: state changes are raised in the order they happen (handlers must not call back).</summary>
    private void SetState(SessionState state)
    {
        if (_state == state)
        {
            return;
        }

        _state = state;
        StateChanged?.Invoke(state);
    }
}
