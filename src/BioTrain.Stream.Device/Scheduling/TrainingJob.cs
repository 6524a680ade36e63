using System.Diagnostics;
using BioTrain.Stream.Device.Client;
using BioTrain.Stream.Device.Protocol.Messages;

namespace BioTrain.Stream.Device.Scheduling;

/// <summary>
/// What one training round did. <see cref="SampleSeconds"/> is the time the SAMPLE requests took (the
/// device's forward and backward passes and the link), without the gaps in which predictions were
/// served. Energy is a GAP9 estimate (model E1), not a measurement.
/// </summary>
public sealed record TrainRound(int Samples, int Batches, double Seconds, double SampleSeconds, double LongestSampleSeconds, double FinalLoss, ulong Instructions, double EstimatedEnergyJoules);

/// <summary>
/// Epochs of shuffled batches (<see cref="ShuffledBatches"/>), sent request by request: BATCH_BEGIN,
/// each SAMPLE, BATCH_END, the checkpoint read. Between any two of them the device may serve predictions. A batch that was
/// open when the device was lost starts again from its first sample (the device was restored to the
/// weights of the last finished batch).
/// </summary>
public sealed class TrainingJob : DeviceJob<TrainRound>
{
    private readonly IEnumerator<LabelledSample[]> _batches;
    private readonly Action<BatchResult>? _onBatch;
    private readonly long _start = Stopwatch.GetTimestamp();
    private LabelledSample[]? _batch;
    private OpenBatch? _open;
    private int _next;
    private int _samples;
    private int _batchCount;
    private double _loss = double.NaN;
    private ulong _instructions;
    private double _energy;
    private double _sampleSeconds;
    private double _longestSample;
    private BatchResult? _ended;

    /// <param name="wholeBatches">
    /// Send each batch in one step, predictions only between batches: for batch norm on batch
    /// statistics, whose staged samples a PREDICT may not come between (the device answers BUSY).
    /// </param>
    public TrainingJob(IReadOnlyList<LabelledSample> samples, int epochs, int batchSize, int seed, Action<BatchResult>? onBatch = null, bool wholeBatches = false)
    {
        _batches = ShuffledBatches.Of(samples, epochs, batchSize, seed).GetEnumerator();
        _onBatch = onBatch;
        _wholeBatches = wholeBatches;
    }

    private readonly bool _wholeBatches;

    protected override TrainRound Result => new(_samples, _batchCount, Stopwatch.GetElapsedTime(_start).TotalSeconds, _sampleSeconds, _longestSample, _loss, _instructions, _energy);

    public override async Task<bool> StepAsync(ResilientDevice device, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (_ended is { } ended)
        {
            // The weights of the step just taken, read in a request of its own: what a restore writes
            // back. Only then is the batch done; lost before, it runs again on the restored weights.
            await device.CheckpointAsync(cancellationToken).ConfigureAwait(false);
            _samples += _batch!.Length;
            _batchCount++;
            _loss = ended.LossMean;
            _batch = null;
            _open = null;
            _ended = null;
            return false;
        }

        if (_batch is null)
        {
            if (!_batches.MoveNext())
            {
                return true;
            }

            _batch = _batches.Current;
        }

        if (_open is null)
        {
            _open = await device.BeginBatchAsync(BatchMode.Train, _batch.Length, cancellationToken).ConfigureAwait(false);
            _next = 0;
            if (!_wholeBatches)
            {
                return false;
            }
        }

        while (_next < _batch.Length)
        {
            var start = Stopwatch.GetTimestamp();
            await device.SendSampleAsync(_open, _next, _batch[_next], cancellationToken).ConfigureAwait(false);
            var took = Stopwatch.GetElapsedTime(start).TotalSeconds;
            _sampleSeconds += took;
            _longestSample = Math.Max(_longestSample, took);
            _next++;
            if (!_wholeBatches)
            {
                return false;
            }
        }

        _ended = await device.EndBatchAsync(_open, cancellationToken).ConfigureAwait(false);
        _instructions += _ended.Instructions;
        _energy += _ended.EstimatedEnergyMicrojoules / 1e6;
        _onBatch?.Invoke(_ended);
        return false;
    }

    /// <summary>The current batch starts again from BATCH_BEGIN, on the weights of the last checkpoint.</summary>
    public override void DeviceLost()
    {
        _open = null;
        _ended = null;
    }
}

/// <summary>Evaluation batches (loss, accuracy, confusion) without changing the model, step by step like training.</summary>
public sealed class EvaluationJob : DeviceJob<EvaluationSummary>
{
    private const int BatchSize = 64;
    private readonly LabelledSample[][] _batches;
    private readonly Action<BatchResult>? _onBatch;
    private int _index;
    private OpenBatch? _open;
    private int _next;
    private int _correct;
    private int _count;
    private double _lossSum;

    public EvaluationJob(IReadOnlyList<LabelledSample> samples, Action<BatchResult>? onBatch = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        _batches = [.. samples.Chunk(BatchSize)];
        _onBatch = onBatch;
    }

    protected override EvaluationSummary Result => new(_count, _correct, _count == 0 ? double.NaN : _lossSum / _count);

    public override async Task<bool> StepAsync(ResilientDevice device, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (_index == _batches.Length)
        {
            return true;
        }

        var batch = _batches[_index];
        if (_open is null)
        {
            _open = await device.BeginBatchAsync(BatchMode.Evaluate, batch.Length, cancellationToken).ConfigureAwait(false);
            _next = 0;
            return false;
        }

        if (_next < batch.Length)
        {
            await device.SendSampleAsync(_open, _next, batch[_next], cancellationToken).ConfigureAwait(false);
            _next++;
            return false;
        }

        var result = await device.EndBatchAsync(_open, cancellationToken).ConfigureAwait(false);
        _correct += result.Correct;
        _count += batch.Length;
        _lossSum += (double)result.LossMean * batch.Length;
        _onBatch?.Invoke(result);
        _open = null;
        _index++;
        return _index == _batches.Length;
    }

    public override void DeviceLost() => _open = null;
}

/// <summary>Evaluated samples, those classified right, and the mean loss.</summary>
public sealed record EvaluationSummary(int Count, int Correct, double MeanLoss)
{
    /// <summary>Share classified right; null for an empty set.</summary>
    public double? Accuracy => Count == 0 ? null : (double)Correct / Count;
}
