using System.Text.Json.Serialization;

namespace BioTrain.Stream.Daemon.Configuration;

/// <summary>How windows are normalised before the device sees them (<c>pipeline.normalize</c>).</summary>
public enum NormalizeMode
{
    /// <summary>Per channel against exponentially weighted statistics (keeps power differences between windows).</summary>
    Running,

    /// <summary>Per window and channel (removes them: for shape-coded signals).</summary>
    [JsonStringEnumMemberName("zscore")]
    ZScore,

    None,

    /// <summary>
    /// Each channel divided by a fixed level (<c>pipeline.channelLevels</c>) and clipped at
    /// <c>pipeline.scaleClip</c>, no centring: for amplitude envelopes, whose level is the signal.
    /// </summary>
    Scale,
}

/// <summary>When calibration starts collecting (<c>calibration.start</c>).</summary>
public enum CalibrationStart
{
    /// <summary>From the first labelled epoch on.</summary>
    Auto,

    /// <summary>Between the configured start and end markers.</summary>
    Markers,

    /// <summary>When asked through the control API.</summary>
    Api,
}

/// <summary>The device's optimiser (<c>calibration.optimizer</c>).</summary>
public enum TrainingOptimizer
{
    Sgd,
    Adam,
}

/// <summary>What calibration and adaptation train (<c>calibration.scope</c>).</summary>
public enum TrainingScope
{
    Full,
    Last,
    Bias,

    /// <summary>Nothing: the starting weights are used as they are.</summary>
    Frozen,
}

/// <summary>How normalisation layers train (<c>calibration.norm</c>).</summary>
public enum NormLayers
{
    Group,
    Batch,
    Frozen,
}

/// <summary>How new samples travel to the device (<c>inference.sampleFormat</c>).</summary>
public enum LinkSampleFormat
{
    [JsonStringEnumMemberName("float32")]
    Binary32,

    [JsonStringEnumMemberName("float16")]
    Binary16,

    /// <summary>int16 with a scale per channel.</summary>
    [JsonStringEnumMemberName("int16")]
    ScaledInt16,
}
