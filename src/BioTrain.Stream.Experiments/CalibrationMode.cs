namespace BioTrain.Stream.Experiments;

/// <summary>What calibration trains on the held-out subject.</summary>
public enum CalibrationMode
{
    /// <summary>No adaptation: the pretrained model as it is.</summary>
    None,

    /// <summary>Only the last layer with parameters (the classifier head).</summary>
    Last,

    /// <summary>Only biases (conv/linear bias, norm beta).</summary>
    Bias,

    /// <summary>The whole network (full backpropagation).</summary>
    Full,

    /// <summary>Reference, not an adaptation: the whole network trained from its random initialisation on the calibration data alone.</summary>
    Scratch,
}
