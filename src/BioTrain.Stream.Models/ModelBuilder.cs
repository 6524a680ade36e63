using System.Globalization;

namespace BioTrain.Stream.Models;

/// <summary>
/// Builds a model layer by layer from its input shape, checking every layer against its input the
/// way the device will, then initialises the weights from a seed (MODEL.md section 4).
/// </summary>
public sealed class ModelBuilder
{
    /// <summary>The format's limit (BT_MODEL_FORMAT_MAX_LAYERS); the virtual GAP9 holds 64 of them, the host builds all.</summary>
    public const int MaxLayers = 128;

    private readonly List<Layer> _layers = [];

    public ModelBuilder(string name, TensorShape input)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length > ModelFormat.NameSize || name.Any(c => c > 0x7E || c < 0x20))
        {
            throw new ModelFormatException($"model name '{name}' must be printable ASCII of at most {ModelFormat.NameSize} characters");
        }

        if (input.Channels is < 1 or > ushort.MaxValue || input.Height is < 1 or > ushort.MaxValue || input.Width is < 1 or > ushort.MaxValue ||
            input.Size > ShapeRules.MaxTensor)
        {
            throw new ModelFormatException($"input shape {input} is out of range (1..65535 per axis, 2^24 values)");
        }

        Name = name;
        Input = input;
    }

    public string Name { get; }

    public TensorShape Input { get; }

    public IReadOnlyList<Layer> Layers => _layers;

    /// <summary>The shape the next layer receives.</summary>
    public TensorShape Current => _layers.Count == 0 ? Input : _layers[^1].Output;

    /// <summary>The tensor the next layer receives, by its number (0: the model input, k: layer k - 1's output), for <see cref="Add"/>.</summary>
    public int Tensor => _layers.Count;

    /// <summary>2-D convolution (temporal 1 x k, spatial C x 1, depthwise with groups = channels, pointwise 1 x 1).</summary>
    public ModelBuilder Conv2D(int outChannels, int kernelH, int kernelW, int strideH = 1, int strideW = 1,
        int padTop = 0, int padLeft = 0, int padBottom = 0, int padRight = 0, int groups = 1, bool bias = false) =>
        Add(LayerKind.Conv2D, bias, 0f, outChannels, kernelH, kernelW, strideH, strideW, padTop, padLeft, padBottom, padRight, groups);

    /// <summary>A 1 x k temporal convolution with PyTorch's 'same' padding: (k - 1) / 2 left, the rest right.</summary>
    public ModelBuilder TemporalSame(int outChannels, int kernelW, int groups = 1) =>
        Conv2D(outChannels, 1, kernelW, padLeft: (kernelW - 1) / 2, padRight: kernelW - 1 - (kernelW - 1) / 2, groups: groups);

    public ModelBuilder Linear(int outputs, bool bias = true) => Add(LayerKind.Linear, bias, 0f, outputs);

    /// <summary>Normalisation; group norm, batch norm or frozen batch norm is chosen by the training configuration.</summary>
    public ModelBuilder Norm(int groups = 0, float eps = 1e-5f) => Add(LayerKind.Norm, false, eps, groups);

    public ModelBuilder Relu() => Add(LayerKind.Relu, false, 0f);

    public ModelBuilder Elu(float alpha = 1f) => Add(LayerKind.Elu, false, alpha);

    public ModelBuilder AvgPool(int kernelH, int kernelW, int strideH, int strideW) =>
        Add(LayerKind.AvgPool, false, 0f, kernelH, kernelW, strideH, strideW);

    public ModelBuilder MaxPool(int kernelH, int kernelW, int strideH, int strideW) =>
        Add(LayerKind.MaxPool, false, 0f, kernelH, kernelW, strideH, strideW);

    public ModelBuilder Flatten() => Add(LayerKind.Flatten, false, 0f);

    /// <summary>Cuts every row of the input into patches of <paramref name="patch"/> samples, each one token of <paramref name="width"/> features through one shared linear map.</summary>
    public ModelBuilder PatchEmbed(int width, int patch, bool bias = true) => Add(LayerKind.PatchEmbed, bias, 0f, width, patch);

    /// <summary>The same linear map for every token of a sequence.</summary>
    public ModelBuilder TokenLinear(int outputs, bool bias = true) => Add(LayerKind.TokenLinear, bias, 0f, outputs);

    /// <summary>Normalisation of every token over its features (gamma and beta per feature).</summary>
    public ModelBuilder LayerNorm(float eps = 1e-5f) => Add(LayerKind.LayerNorm, false, eps);

    /// <summary>GELU, tanh form.</summary>
    public ModelBuilder Gelu() => Add(LayerKind.Gelu, false, 0f);

    /// <summary>Rotary position embedding of whole tokens, in groups of <paramref name="headDim"/> features; positions start at 0 in every channel.</summary>
    public ModelBuilder Rope(int headDim, int maxPositions, float rotaryBase = 10000f) => Add(LayerKind.Rope, false, rotaryBase, headDim, maxPositions);

    /// <summary>Multi-head self-attention with QKV and output projections; <paramref name="rotaryPositions"/> above 0 rotates queries and keys with a table of that many positions.</summary>
    public ModelBuilder Attention(int heads, int rotaryPositions = 0, float rotaryBase = 10000f, bool bias = true) =>
        Add(LayerKind.Attention, bias, rotaryPositions > 0 ? rotaryBase : 0f, heads, rotaryPositions);

    /// <summary>Residual add of an earlier tensor (see <see cref="Tensor"/>) of the current shape.</summary>
    public ModelBuilder Add(int tensor) => Add(LayerKind.Add, false, 0f, tensor);

    /// <summary>The mean over the tokens: one token.</summary>
    public ModelBuilder TokenMean() => Add(LayerKind.TokenMean, false, 0f);

    /// <summary>Every token back to <paramref name="patch"/> samples, in the layout of the input (masked-patch reconstruction).</summary>
    public ModelBuilder ReconHead(int patch, bool bias = true) => Add(LayerKind.ReconHead, bias, 0f, patch);

    /// <summary>Initialises the weights from the seed and returns the finished model.</summary>
    public ModelDefinition Build(uint seed)
    {
        if (_layers.Count == 0)
        {
            throw new ModelFormatException("a model needs at least one layer");
        }

        var classes = Current.Size;
        if (classes is < 2 or > ushort.MaxValue)
        {
            throw new ModelFormatException($"the last layer has {classes} outputs; a classifier needs 2..65535");
        }

        var weights = new float[_layers.Sum(l => l.ParameterCount)];
        var rng = new SplitMix64(seed);
        var at = 0;
        foreach (var layer in _layers)
        {
            if (layer.Kind is LayerKind.Norm or LayerKind.LayerNorm)
            {
                weights.AsSpan(at, layer.WeightCount).Fill(1f);         // gamma; beta 0
                if (layer.Kind == LayerKind.Norm)
                {
                    weights.AsSpan(at + 3 * layer.WeightCount, layer.WeightCount).Fill(1f); // running variance; mean 0
                }

                at += layer.ParameterCount;
                continue;
            }

            if (layer.WeightCount > 0)
            {
                var bound = MathF.Sqrt(6.0f / layer.FanIn);
                for (var k = 0; k < layer.WeightCount; k++)
                {
                    weights[at + k] = rng.NextUniform(bound);
                }
            }

            at += layer.ParameterCount; // biases stay 0
        }

        return new ModelDefinition(Name, Input, _layers.ToArray(), weights, seed);
    }

    /// <summary>A layer record as read from a blob of <paramref name="layerCount"/> layers.</summary>
    internal void AddRecord(LayerKind kind, bool bias, float f, int[] values, int layerCount) => Add(kind, bias, f, layerCount, values);

    /// <summary>The model with weights given instead of initialised (a parsed blob).</summary>
    internal ModelDefinition WithWeights(float[] weights, uint seed)
    {
        var needed = _layers.Sum(l => l.ParameterCount);
        if (_layers.Count == 0 || weights.Length != needed)
        {
            throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"the layers need {needed} parameters, the blob has {weights.Length}"));
        }

        return new ModelDefinition(Name, Input, _layers.ToArray(), weights, seed);
    }

    private ModelBuilder Add(LayerKind kind, bool bias, float f, params int[] values) => Add(kind, bias, f, null, values);

    private ModelBuilder Add(LayerKind kind, bool bias, float f, int? tensors, int[] values)
    {
        if (_layers.Count == MaxLayers)
        {
            throw new ModelFormatException($"a model has at most {MaxLayers} layers");
        }

        var p = new ushort[12];
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is < 0 or > ushort.MaxValue)
            {
                throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"layer {_layers.Count} ({kind}): hyper-parameter {values[i]} out of range"));
            }

            p[i] = (ushort)values[i];
        }

        var layer = new Layer(kind, bias, p, f, Current);
        ShapeRules.Derive(layer, _layers.Count, k => k == 0 ? Input : _layers[k - 1].Output, tensors);
        _layers.Add(layer);
        return this;
    }
}
