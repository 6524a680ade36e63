namespace BioTrain.Stream.Models;

/// <summary>
/// Why a model was refused (protocol/MODEL.md section 6). The numbers are the firmware's
/// <c>bt_model_reason</c>, which the device's plan report and <c>bt-model-tool</c> give too.
/// </summary>
public enum ModelError
{
    None = 0,

    /// <summary>Header, length, CRC or counts.</summary>
    Format = 1,

    /// <summary>A layer kind the format does not have.</summary>
    UnknownKind = 2,

    /// <summary>A layer's hyper-parameters do not fit its input.</summary>
    Layer = 3,

    /// <summary>A second input (skip connection) names a tensor the model does not have.</summary>
    SkipMissing = 4,

    /// <summary>A second input names the layer's own input or a later tensor.</summary>
    SkipLater = 5,

    /// <summary>A second input's shape differs from the layer's input.</summary>
    SkipShape = 6,

    /// <summary>Attention heads do not divide the width.</summary>
    Heads = 7,

    /// <summary>More positions per channel than a rotary table holds.</summary>
    Sequence = 8,
}
