using BioTrain.Stream.Device.Protocol.Messages;

namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>
/// How a data set is trained: pretraining on the source subjects, then calibration. Calibration runs a
/// fixed number of optimiser steps whatever the calibration size, so sizes differ only in data. The defaults
/// are what the investigation on UCI EMG found best (docs/experiments.md): batch norm with batch statistics in
/// pretraining, frozen (folded) batch norm in calibration, as BioTrain does, and Adam at 3e-3 for full
/// fine-tuning (1e-3 left the early layers nearly where they were).
/// </summary>
public sealed record TrainingRecipe
{
    public Optimizer Optimizer { get; init; } = Optimizer.Adam;

    /// <summary>Normalisation in pretraining (and in calibration unless <see cref="CalibrationNormMode"/> says otherwise).</summary>
    public NormMode NormMode { get; init; } = NormMode.Batch;

    /// <summary>Normalisation in calibration, e.g. frozen (folded) batch norm after pretraining with batch statistics.</summary>
    public NormMode? CalibrationNormMode { get; init; } = NormMode.Frozen;

    public float PretrainLearningRate { get; init; } = 0.002f;

    public int PretrainEpochs { get; init; } = 20;

    /// <summary>Learning rate of full-network calibration.</summary>
    public float CalibrationLearningRate { get; init; } = 0.003f;

    /// <summary>Learning rate of last-layer calibration (a head alone tolerates, and needs, a larger one).</summary>
    public float LastLayerLearningRate { get; init; } = 0.005f;

    public int CalibrationSteps { get; init; } = 100;

    public ushort BatchSize { get; init; } = 16;

    public float WeightDecay { get; init; }
}
