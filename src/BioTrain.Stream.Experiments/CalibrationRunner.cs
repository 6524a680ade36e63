using BioTrain.Stream.Device.Client;
using BioTrain.Stream.Device.Protocol.Messages;
using BioTrain.Stream.Experiments.Datasets;

namespace BioTrain.Stream.Experiments;

/// <summary>
/// Pretraining and calibration runs of one recipe on one device, the steps every protocol (day-1 calibration,
/// drift) is made of: each run starts from saved weights, takes a fixed number of optimiser steps, and is
/// scored on windows it never trained on.
/// </summary>
public sealed class CalibrationRunner(DeviceTrainer trainer, TrainingRecipe recipe)
{
    public DeviceTrainer Trainer { get; } = trainer ?? throw new ArgumentNullException(nameof(trainer));

    public TrainingRecipe Recipe { get; } = recipe ?? throw new ArgumentNullException(nameof(recipe));

    /// <summary>Loads a fresh model and trains it with full scope for the recipe's epochs; returns the initial and the trained weights.</summary>
    public async Task<Pretrained> PretrainAsync(byte[] blob, IReadOnlyList<Epoch> data, int seed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        var config = Config(CalibrationMode.Full) with { LearningRate = Recipe.PretrainLearningRate, NormMode = Recipe.NormMode };
        await Trainer.Session.LoadModelAsync(blob, config, cancellationToken).ConfigureAwait(false);
        var initial = await Trainer.Session.ReadWeightsAsync(cancellationToken).ConfigureAwait(false);
        var samples = Epoch.Samples(data);
        var random = new Random(seed);
        var steps = 0;
        for (var e = 0; e < Recipe.PretrainEpochs; e++)
        {
            // One pass per epoch: as many full batches as the data fills, in a fresh order.
            var perEpoch = (samples.Count + Recipe.BatchSize - 1) / Recipe.BatchSize;
            steps += await Trainer.TrainAsync(ShuffledBatches.Steps(samples, perEpoch, Recipe.BatchSize, random), cancellationToken).ConfigureAwait(false);
        }

        var accuracy = await Trainer.AccuracyAsync(samples, cancellationToken).ConfigureAwait(false);
        var trained = await Trainer.Session.ReadWeightsAsync(cancellationToken).ConfigureAwait(false);
        return new Pretrained(initial, trained, steps, accuracy);
    }

    /// <summary>Writes <paramref name="start"/> back, trains with <paramref name="mode"/> on the calibration windows, returns the accuracy on <paramref name="test"/>.</summary>
    public async Task<double> CalibrateAsync(WeightsSnapshot start, CalibrationMode mode, IReadOnlyList<Epoch> calibration, IReadOnlyList<Epoch> test, int seed,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        await RestoreAsync(start, mode, cancellationToken).ConfigureAwait(false);
        // From random weights a network needs more steps than a pretrained one: the reference gets four times the budget.
        var steps = mode == CalibrationMode.Scratch ? 4 * Recipe.CalibrationSteps : Recipe.CalibrationSteps;
        var batches = ShuffledBatches.Steps(Epoch.Samples(calibration), steps, Recipe.BatchSize, new Random(seed * 7919 + calibration.Count));
        await Trainer.TrainAsync(batches, cancellationToken).ConfigureAwait(false);
        return await AccuracyAsync(test, cancellationToken).ConfigureAwait(false);
    }

    public Task<double> AccuracyAsync(IReadOnlyList<Epoch> data, CancellationToken cancellationToken) =>
        Trainer.AccuracyAsync(Epoch.Samples(data), cancellationToken);

    /// <summary>The weights as they are on the device now (after a calibration run: its result).</summary>
    public Task<WeightsSnapshot> ReadWeightsAsync(CancellationToken cancellationToken) => Trainer.Session.ReadWeightsAsync(cancellationToken);

    public Task RestoreAsync(WeightsSnapshot weights, CalibrationMode mode, CancellationToken cancellationToken) =>
        Trainer.RestoreAsync(Config(mode), weights, cancellationToken);

    /// <summary>The device configuration of a calibration mode under this recipe.</summary>
    public TrainingConfig Config(CalibrationMode mode) => new()
    {
        Optimizer = Recipe.Optimizer,
        NormMode = Recipe.CalibrationNormMode ?? Recipe.NormMode,
        Scope = mode switch
        {
            CalibrationMode.Last => TrainScope.Last,
            CalibrationMode.Bias => TrainScope.Bias,
            _ => TrainScope.Full,
        },
        LearningRate = mode switch
        {
            CalibrationMode.Last => Recipe.LastLayerLearningRate,
            CalibrationMode.Scratch => Recipe.PretrainLearningRate,
            _ => Recipe.CalibrationLearningRate,
        },
        Momentum = 0.9f,
        WeightDecay = Recipe.WeightDecay,
        BatchSize = Recipe.BatchSize,
    };
}

/// <summary>A pretraining's start and end weights, its optimiser steps and its accuracy on its own training windows.</summary>
public sealed record Pretrained(WeightsSnapshot Initial, WeightsSnapshot Weights, int Steps, double TrainingAccuracy);
