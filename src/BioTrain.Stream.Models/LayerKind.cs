namespace BioTrain.Stream.Models;

/// <summary>
/// Layer kinds of the model format (protocol/MODEL.md section 2). Numbers are wire values. From 9 on
/// the kinds work on token sequences: a tensor (c, h, w) of c h tokens of width w, h the position
/// within channel c.
/// </summary>
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
    PatchEmbed = 9,
    TokenLinear = 10,
    LayerNorm = 11,
    Gelu = 12,
    Rope = 13,
    Attention = 14,
    Add = 15,
    TokenMean = 16,
    ReconHead = 17,
}
