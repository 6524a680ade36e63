using BioTrain.Stream.Device.Protocol.Messages;
using BioTrain.Stream.Device.Scheduling;

namespace BioTrain.Stream.Device.Client;

/// <summary>
/// Training and evaluation on a device that nothing else uses, in whole-batch requests (pretraining,
/// experiments, the demo's scoring): the firmware's own engine does the work. A live session, which
/// must serve predictions between requests, runs the same batches as a <see cref="TrainingJob"/>.
/// </summary>
public sealed class DeviceTrainer(DeviceSession session)
{
    // Evaluate batches may hold 65535 samples; smaller ones keep a cancelled run responsive.
    private const int EvaluateChunk = 2048;

    public DeviceSession Session { get; } = session ?? throw new ArgumentNullException(nameof(session));

    /// <summary>One optimiser step per batch (see <see cref="ShuffledBatches"/> for the orders); returns the steps taken.</summary>
    public Task<int> TrainAsync(IEnumerable<LabelledSample[]> batches, CancellationToken cancellationToken) =>
        TrainAsync(batches, null, cancellationToken);

    /// <summary>As <see cref="TrainAsync(IEnumerable{LabelledSample[]}, CancellationToken)"/>, telling <paramref name="onStep"/> each step's number (from 1) and result.</summary>
    public async Task<int> TrainAsync(IEnumerable<LabelledSample[]> batches, Action<int, BatchResult>? onStep, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batches);
        var steps = 0;
        foreach (var batch in batches)
        {
            var result = await Session.TrainBatchAsync(batch, cancellationToken).ConfigureAwait(false);
            steps++;
            onStep?.Invoke(steps, result);
        }

        return steps;
    }

    /// <summary>Evaluates without changing the model: samples, those classified right, mean loss.</summary>
    public async Task<EvaluationSummary> EvaluateAsync(IReadOnlyList<LabelledSample> samples, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(samples);
        int count = 0, correct = 0;
        var loss = 0.0;
        foreach (var chunk in samples.Chunk(EvaluateChunk))
        {
            var result = await Session.EvaluateAsync(chunk, cancellationToken).ConfigureAwait(false);
            count += chunk.Length;
            correct += result.Correct;
            loss += (double)result.LossMean * chunk.Length;
        }

        return new EvaluationSummary(count, correct, count == 0 ? double.NaN : loss / count);
    }

    /// <summary>Share of samples whose arg-max is their label; NaN for none.</summary>
    public async Task<double> AccuracyAsync(IReadOnlyList<LabelledSample> samples, CancellationToken cancellationToken) =>
        (await EvaluateAsync(samples, cancellationToken).ConfigureAwait(false)).Accuracy ?? double.NaN;

    /// <summary>
    /// Starts a run from saved weights: configure first (the weights write stages in the arena's free space
    /// of the current plan, and configure clears the optimiser state), then write (which drops pending gradients).
    /// </summary>
    public async Task RestoreAsync(TrainingConfig config, WeightsSnapshot weights, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        await Session.ConfigureAsync(config, cancellationToken).ConfigureAwait(false);
        await Session.WriteWeightsAsync(weights.Bytes, cancellationToken).ConfigureAwait(false);
    }
}
