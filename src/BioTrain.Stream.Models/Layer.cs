namespace BioTrain.Stream.Models;

/// <summary>
/// One layer of a model: its record in the blob (kind, bias flag, twelve u16 hyper-parameters, one float)
/// and what follows from its input shape (output shape, parameter counts, MACs of one forward pass).
/// </summary>
public sealed class Layer
{
    internal Layer(LayerKind kind, bool hasBias, ushort[] parameters, float f, TensorShape input)
    {
        Kind = kind;
        HasBias = hasBias;
        HyperParameters = parameters;
        F = f;
        Input = input;
    }

    public LayerKind Kind { get; }

    public bool HasBias { get; }

    /// <summary>p[0..11] as in MODEL.md (e.g. convolution: out_c, kh, kw, sh, sw, pads, groups).</summary>
    public IReadOnlyList<ushort> HyperParameters { get; }

    /// <summary>The float hyper-parameter: norm eps, ELU alpha, rotary base, otherwise 0.</summary>
    public float F { get; }

    public TensorShape Input { get; }

    public TensorShape Output { get; internal set; }

    /// <summary>The tensor read as a second input (residual add): 0 the model input, k layer k - 1's output; null for none.</summary>
    public int? Skip { get; internal set; }

    /// <summary>Convolution/linear/token-map/attention weights or norm gamma.</summary>
    public int WeightCount { get; internal set; }

    /// <summary>Convolution/linear bias or norm beta.</summary>
    public int BiasCount { get; internal set; }

    /// <summary>Norm running mean and variance (not trained).</summary>
    public int BufferCount { get; internal set; }

    public int ParameterCount => WeightCount + BiasCount + BufferCount;

    public long Macs { get; internal set; }

    /// <summary>He-uniform fan-in of the weights (MODEL.md section 4).</summary>
    public int FanIn => Kind switch
    {
        LayerKind.Conv2D => Input.Channels / HyperParameters[9] * HyperParameters[1] * HyperParameters[2],
        LayerKind.Linear => (int)Input.Size,
        LayerKind.PatchEmbed => HyperParameters[1],
        _ => Input.Width, // token linear, attention, reconstruction head: one token's features
    };

    public override string ToString() => $"{Kind} {Input} -> {Output}";
}
