using BioTrain.Stream.Device.Protocol.Messages;

namespace BioTrain.Stream.Daemon.Configuration;

/// <summary>The configuration's words as the device protocol's values, in one place.</summary>
public static class DeviceSettings
{
    public static TrainingConfig TrainingConfig(this CalibrationOptions calibration)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        return new TrainingConfig
        {
            Optimizer = calibration.Optimizer == TrainingOptimizer.Sgd ? Optimizer.Sgd : Optimizer.Adam,
            LearningRate = (float)calibration.LearningRate,
            Momentum = 0.9f,
            BatchSize = (ushort)calibration.BatchSize,
            Scope = calibration.Scope switch
            {
                TrainingScope.Last => TrainScope.Last,
                TrainingScope.Bias => TrainScope.Bias,
                TrainingScope.Frozen => TrainScope.Frozen,
                _ => TrainScope.Full,
            },
            NormMode = calibration.Norm switch
            {
                NormLayers.Batch => NormMode.Batch,
                NormLayers.Frozen => NormMode.Frozen,
                _ => NormMode.Group,
            },
        };
    }

    public static SampleFormat SampleFormat(this InferenceOptions inference)
    {
        ArgumentNullException.ThrowIfNull(inference);
        return inference.SampleFormat switch
        {
            LinkSampleFormat.Binary16 => Device.Protocol.Messages.SampleFormat.Binary16,
            LinkSampleFormat.ScaledInt16 => Device.Protocol.Messages.SampleFormat.ScaledInt16,
            _ => Device.Protocol.Messages.SampleFormat.Binary32,
        };
    }
}
