using System.Globalization;

namespace BioTrain.Stream.Models;

/// <summary>
/// Builds a model layer by layer from its input shape, checking every layer against its input the
/// way the device will, then initialises the weights from a seed (MODEL.md section 4).
/// </summary>
public sealed class ModelBuilder
{
    /// <summary>The device's limit (BT_MODEL_MAX_LAYERS).</summary>
    public const int MaxLayers = 64;

    private readonly List<Layer> _layers = [];

    public ModelBuilder(string name, TensorShape input)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length > ModelFormat.NameSize || name.Any(c => c > 0x7E || c < 0x20))
        {
            throw new ModelFormatException($"model name '{name}' must be printable ASCII of at most {ModelFormat.NameSize} characters");
        }

        if (input.Channels is < 1 or > ushort.MaxValue || input.Height is < 1 or > ushort.MaxValue || input.Width is < 1 or > ushort.MaxValue)
        {
            throw new ModelFormatException($"input shape {input} is out of range (1..65535 per axis)");
        }

        Name = name;
        Input = input;
    }

    public string Name { get; }

    public TensorShape Input { get; }

    public IReadOnlyList<Layer> Layers => _layers;

    /// <summary>The shape the next layer receives.</summary>
    public TensorShape Current => _layers.Count == 0 ? Input : _layers[^1].Output;

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
            if (layer.Kind == LayerKind.Norm)
            {
                var c = layer.Input.Channels;
                weights.AsSpan(at, c).Fill(1f);             // gamma
                weights.AsSpan(at + 3 * c, c).Fill(1f);     // running variance
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

    /// <summary>A layer record as read from a blob.</summary>
    internal void AddRecord(LayerKind kind, bool bias, float f, int[] values) => Add(kind, bias, f, values);

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

    private ModelBuilder Add(LayerKind kind, bool bias, float f, params int[] values)
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
        ShapeRules.Derive(layer, _layers.Count);
        _layers.Add(layer);
        return this;
    }
}
