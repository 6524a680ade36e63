namespace BioTrain.Stream.Models;

/// <summary>Layer kinds of the model format (protocol/MODEL.md section 2). Numbers are wire values.</summary>
public enum LayerKind : byte
{
    Conv2D = 1,
    Linear = 2,
    Norm = 3,
    Relu = 4,
    Elu = 5,
    AvgPool = 6,
    MaxPool = 7,
    Flatten = 8,
}
