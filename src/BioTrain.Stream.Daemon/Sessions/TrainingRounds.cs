using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Daemon.Metrics;
using BioTrain.Stream.Daemon.Persistence;
using BioTrain.Stream.Device;
using BioTrain.Stream.Device.Client;
using BioTrain.Stream.Device.Scheduling;
using Microsoft.Extensions.Logging;

namespace BioTrain.Stream.Daemon.Sessions;

/// <summary>
/// Runs the rounds the <see cref="CalibrationController"/> asks for on the session's device, in the
/// gaps between predictions (the device's owner schedules them request by request), persists the
/// weights after each, and reports back to the controller.
/// </summary>
internal sealed partial class TrainingRounds
{
    private readonly SessionOptions _options;
    private readonly SessionDevice _device;
    private readonly CalibrationController _controller;
    private readonly SessionMetrics _metrics;
    private readonly DeviceWorkTally _work;
    private readonly Func<CancellationToken, Task> _persist;
    private readonly ILogger _logger;

    public TrainingRounds(SessionOptions options, SessionDevice device, CalibrationController controller, SessionMetrics metrics, DeviceWorkTally work, Func<CancellationToken, Task> persist, ILogger logger)
    {
        _options = options;
        _device = device;
        _controller = controller;
        _metrics = metrics;
        _work = work;
        _persist = persist;
        _logger = logger;
    }

    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var request in _controller.Requests.ReadAllAsync(ct).ConfigureAwait(false))
            {
                switch (request)
                {
                    case CalibrationRequest calibration:
                        var outcome = await CalibrateAsync(calibration).ConfigureAwait(false);
                        _controller.CalibrationDone(outcome);
                        if (outcome is not null)
                        {
                            await PersistAsync(ct).ConfigureAwait(false);
                        }

                        break;
                    case AdaptationRequest adaptation:
                        var (result, accuracy) = await AdaptAsync(adaptation).ConfigureAwait(false);
                        _controller.AdaptationDone(adaptation, result, accuracy);
                        if (result == AdaptationResult.Trained)
                        {
                            await PersistAsync(ct).ConfigureAwait(false);
                        }

                        break;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task<CalibrationOutcome?> CalibrateAsync(CalibrationRequest request)
    {
        try
        {
            var before = await AccuracyAsync(request.HeldOut).ConfigureAwait(false);
            if (_options.Calibration.Scope != TrainingScope.Frozen)
            {
                var round = await TrainAsync(request.Train, _options.Calibration.Epochs, seed: 17).ConfigureAwait(false);
                LogTrained(round.Samples, round.Seconds, round.FinalLoss);
            }

            var after = await AccuracyAsync(request.HeldOut).ConfigureAwait(false);
            if (after is { } a)
            {
                _metrics.CalibrationAccuracy.Set(a);
            }

            LogCalibrated(before, after, request.Train.Count, request.HeldOut.Count);
            return new CalibrationOutcome(before, after);
        }
        catch (DeviceException e)
        {
            LogRoundFailed("calibration", e.Message);
            return null;
        }
    }

    /// <summary>
    /// One adaptation round, undone when it fails part-way (batches before the failure were applied) or
    /// when accuracy on the check set falls by more than the configured drop.
    /// </summary>
    private async Task<(AdaptationResult, double?)> AdaptAsync(AdaptationRequest request)
    {
        WeightsSnapshot? before = null;
        try
        {
            // The device's owner keeps a checkpoint of the current weights (after every batch, write and read): no second read.
            before = _device.Device.Checkpoint ?? await _device.RunAsync((d, c) => d.ReadWeightsAsync(c)).ConfigureAwait(false);
            var accuracyBefore = request.Check.Count > 0 ? await AccuracyAsync(request.Check).ConfigureAwait(false) : null;
            await TrainAsync([.. request.Fresh, .. request.Rehearsal], _options.Adaptation.Epochs, request.Round).ConfigureAwait(false);
            var accuracyAfter = request.Check.Count > 0 ? await AccuracyAsync(request.Check).ConfigureAwait(false) : null;
            if (accuracyBefore is { } b && accuracyAfter is { } a && a < b - _options.Adaptation.RollbackDrop)
            {
                await _device.RunAsync((d, c) => d.WriteWeightsAsync(before.Bytes, c)).ConfigureAwait(false);
                _metrics.Rollbacks.Inc();
                LogRolledBack(request.Round + 1, b, a, request.Check.Count);
                return (AdaptationResult.RolledBack, b);
            }

            if (accuracyAfter is { } after)
            {
                _metrics.CalibrationAccuracy.Set(after);
                LogAdapted(request.Round + 1, after, request.Fresh.Count);
            }

            return (AdaptationResult.Trained, accuracyAfter);
        }
        catch (DeviceException e)
        {
            LogRoundFailed("adaptation", e.Message);
            await RestoreAsync(before).ConfigureAwait(false);
            return (AdaptationResult.Failed, null);
        }
    }

    /// <summary>Puts the weights from before a failed round back, if the device can take them.</summary>
    private async Task RestoreAsync(WeightsSnapshot? before)
    {
        if (before is null)
        {
            return;
        }

        try
        {
            await _device.RunAsync((d, c) => d.WriteWeightsAsync(before.Bytes, c)).ConfigureAwait(false);
        }
        catch (DeviceException e)
        {
            LogRestoreFailed(e.Message);
        }
    }

    /// <summary>Saves the weights; a refused or failed save is a warning and a metric, never the session's end.</summary>
    private async Task PersistAsync(CancellationToken ct)
    {
        try
        {
            await _persist(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SubjectStoreException or DeviceException)
        {
            _metrics.PersistFailures.Inc();
            LogPersistFailed(e.Message);
        }
    }

    private async Task<TrainRound> TrainAsync(IReadOnlyList<Device.Client.LabelledSample> samples, int epochs, int seed)
    {
        var round = await _device.Enqueue(new TrainingJob(samples, epochs, _options.Calibration.BatchSize, seed, result =>
        {
            _metrics.Batch(result);
            _metrics.TrainingSamples.Inc(result.Count);
            _work.Trained(result);
        }, wholeBatches: _options.Calibration.Norm == NormLayers.Batch)).ConfigureAwait(false);
        _work.SampleTime(round);
        if (round.Seconds > 0)
        {
            _metrics.TrainingRate.Set(round.Samples / round.Seconds);
        }

        return round;
    }

    private async Task<double?> AccuracyAsync(IReadOnlyList<Device.Client.LabelledSample> samples) =>
        (await _device.Enqueue(new EvaluationJob(samples, _metrics.Batch)).ConfigureAwait(false)).Accuracy;

    [LoggerMessage(Level = LogLevel.Information, Message = "trained {Samples} samples in {Seconds:0.0} s, last loss {Loss:0.000}")]
    private partial void LogTrained(int samples, double seconds, double loss);

    [LoggerMessage(Level = LogLevel.Information, Message = "calibrated: held-out accuracy {Before:P1} before, {After:P1} after ({Train} training, {Held} held-out epochs)")]
    private partial void LogCalibrated(double? before, double? after, int train, int held);

    [LoggerMessage(Level = LogLevel.Warning, Message = "adaptation round {Round} rolled back: check-set accuracy fell from {Before:P0} to {After:P0} ({Count} epochs); the weights from before it stay")]
    private partial void LogRolledBack(int round, double before, double after, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not put the weights from before a failed round back: {Error}")]
    private partial void LogRestoreFailed(string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "adapted weights not saved: {Error}")]
    private partial void LogPersistFailed(string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "adaptation round {Round}: held-out accuracy {After:P1} after ({Fresh} new epochs)")]
    private partial void LogAdapted(int round, double after, int fresh);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Round} round failed on the device: {Error}")]
    private partial void LogRoundFailed(string round, string error);
}
