using System.Globalization;

namespace BioTrain.Stream.Models;

/// <summary>Output shapes, parameter counts and MACs of a layer from its input (the device's rules, MODEL.md section 2).</summary>
internal static class ShapeRules
{
    /// <summary>The format's limit on parameters (a weight section; a layer's own share too).</summary>
    public const long MaxParameters = 1L << 26;

    /// <summary>Values in a rotary table: positions x head dim.</summary>
    public const long MaxTable = 1L << 24;

    /// <summary>Values of one sample in any tensor, the model input too.</summary>
    public const long MaxTensor = 1L << 24;

    /// <summary>
    /// Derives layer <paramref name="index"/> from its input. <paramref name="tensorShape"/> gives the shape of an
    /// earlier tensor (0: the model input); <paramref name="tensors"/> is the model's last tensor (its layer count),
    /// null while a builder does not know it yet.
    /// </summary>
    public static void Derive(Layer layer, int index, Func<int, TensorShape> tensorShape, int? tensors)
    {
        ArgumentNullException.ThrowIfNull(tensorShape);
        DeriveKind(layer, index);
        if (layer.Skip is { } skip)
        {
            CheckSkip(layer, index, skip, tensorShape, tensors);
        }

        if (layer.Output.Size is 0 or > MaxTensor)
        {
            throw Fail(index, "output size out of range");
        }
    }

    private static void DeriveKind(Layer layer, int index)
    {
        var p = layer.HyperParameters;
        var input = layer.Input;
        switch (layer.Kind)
        {
            case LayerKind.Conv2D:
                {
                    int outC = p[0], kh = p[1], kw = p[2], sh = p[3], sw = p[4], pt = p[5], pl = p[6], pb = p[7], pr = p[8], groups = p[9];
                    if (kh == 0 || kw == 0 || sh == 0 || sw == 0 || groups == 0 || outC == 0 ||
                        input.Channels % groups != 0 || outC % groups != 0 ||
                        pt >= kh || pb >= kh || pl >= kw || pr >= kw ||
                        input.Height + pt + pb < kh || input.Width + pl + pr < kw)
                    {
                        throw Fail(index, "convolution does not fit its input (kernel, stride, padding or groups)");
                    }

                    var outH = (input.Height + pt + pb - kh) / sh + 1;
                    var outW = (input.Width + pl + pr - kw) / sw + 1;
                    layer.Output = new TensorShape(outC, outH, outW);
                    layer.WeightCount = outC * (input.Channels / groups) * kh * kw;
                    layer.BiasCount = layer.HasBias ? outC : 0;
                    layer.Macs = (long)outC * outH * outW * (input.Channels / groups) * kh * kw;
                    break;
                }

            case LayerKind.Linear:
                if (p[0] == 0 || input.Size * p[0] > MaxParameters)
                {
                    throw Fail(index, "linear layer with no outputs or too many weights");
                }

                layer.Output = new TensorShape(p[0], 1, 1);
                layer.WeightCount = checked((int)(input.Size * p[0]));
                layer.BiasCount = layer.HasBias ? p[0] : 0;
                layer.Macs = input.Size * p[0];
                break;

            case LayerKind.Norm:
                if (!(layer.F > 0f && float.IsFinite(layer.F)))
                {
                    throw Fail(index, "norm eps must be positive");
                }

                if (p[0] != 0 && input.Channels % p[0] != 0)
                {
                    throw Fail(index, "norm group count does not divide the channels");
                }

                layer.Output = input;
                layer.WeightCount = input.Channels;
                layer.BiasCount = input.Channels;
                layer.BufferCount = 2 * input.Channels;
                break;

            case LayerKind.Elu:
                if (!(layer.F > 0f && float.IsFinite(layer.F)))
                {
                    throw Fail(index, "ELU alpha must be positive");
                }

                layer.Output = input;
                break;

            case LayerKind.Relu:
                layer.Output = input;
                break;

            case LayerKind.AvgPool:
            case LayerKind.MaxPool:
                {
                    int kh = p[0], kw = p[1], sh = p[2], sw = p[3];
                    if (kh == 0 || kw == 0 || sh == 0 || sw == 0 || input.Height < kh || input.Width < kw)
                    {
                        throw Fail(index, "pooling window does not fit its input");
                    }

                    layer.Output = new TensorShape(input.Channels, (input.Height - kh) / sh + 1, (input.Width - kw) / sw + 1);
                    break;
                }

            case LayerKind.Flatten:
                layer.Output = new TensorShape(checked((int)input.Size), 1, 1);
                break;

            case LayerKind.PatchEmbed:
                {
                    int width = p[0], patch = p[1];
                    if (width == 0 || patch == 0 || input.Width % patch != 0)
                    {
                        throw Fail(index, "patch embedding needs a width and a patch length dividing the samples");
                    }

                    layer.Output = new TensorShape(input.Channels * input.Height, input.Width / patch, width);
                    TokenMap(layer, index, patch, width, (long)layer.Output.Channels * layer.Output.Height);
                    break;
                }

            case LayerKind.TokenLinear:
                if (p[0] == 0)
                {
                    throw Fail(index, "token linear layer with no outputs");
                }

                layer.Output = input with { Width = p[0] };
                TokenMap(layer, index, input.Width, p[0], (long)input.Channels * input.Height);
                break;

            case LayerKind.ReconHead:
                if (p[0] == 0 || (long)input.Height * p[0] > MaxTensor)
                {
                    throw Fail(index, "reconstruction head with no patch length or too long a row");
                }

                layer.Output = new TensorShape(1, input.Channels, input.Height * p[0]);
                TokenMap(layer, index, input.Width, p[0], (long)input.Channels * input.Height);
                break;

            case LayerKind.LayerNorm:
                if (!(layer.F > 0f && layer.F < 3.0e38f))
                {
                    throw Fail(index, "layer norm eps must be positive");
                }

                layer.Output = input;
                layer.WeightCount = input.Width;
                layer.BiasCount = input.Width;
                break;

            case LayerKind.Gelu:
                layer.Output = input;
                break;

            case LayerKind.Rope:
                {
                    int headDim = p[0], maxPositions = p[1];
                    if (headDim < 2 || headDim % 2 != 0 || input.Width % headDim != 0 || maxPositions == 0 ||
                        !(layer.F > 1f && layer.F < 3.0e38f) || (long)maxPositions * headDim > MaxTable)
                    {
                        throw Fail(index, "rotary embedding needs an even head dim dividing the width, a table of positions x head dim of at most 2^24 values and a base > 1");
                    }

                    CheckPositions(index, input.Height, maxPositions);
                    layer.Output = input;
                    break;
                }

            case LayerKind.Attention:
                {
                    int width = input.Width, heads = p[0], rotary = p[1];
                    long tokens = (long)input.Channels * input.Height;
                    if (heads == 0 || width % heads != 0)
                    {
                        throw Fail(index, ModelError.Heads, string.Create(CultureInfo.InvariantCulture, $"{heads} attention heads do not divide the width {width}"));
                    }

                    if (4L * width * width > MaxParameters || (long)rotary * (width / heads) > MaxTable)
                    {
                        throw Fail(index, "attention width or rotary table too large");
                    }

                    if (rotary > 0 ? (width / heads) % 2 != 0 || !(layer.F > 1f && layer.F < 3.0e38f) : layer.F != 0f)
                    {
                        throw Fail(index, "rotary attention needs an even head dim and a base > 1 (no rotary: base 0)");
                    }

                    if (rotary > 0)
                    {
                        CheckPositions(index, input.Height, rotary);
                    }

                    layer.Output = input;
                    layer.WeightCount = 4 * width * width;
                    layer.BiasCount = layer.HasBias ? 4 * width : 0;
                    layer.Macs = 4 * tokens * width * width + 2 * tokens * tokens * width;
                    break;
                }

            case LayerKind.Add:
                layer.Output = input;
                layer.Skip = p[0];
                break;

            case LayerKind.TokenMean:
                layer.Output = new TensorShape(1, 1, input.Width);
                break;

            default:
                throw Fail(index, ModelError.UnknownKind, "unknown layer kind");
        }
    }

    /// <summary>A map of every token's <paramref name="inFeatures"/> to <paramref name="outFeatures"/> (weights [out][in], bias [out]).</summary>
    private static void TokenMap(Layer layer, int index, int inFeatures, int outFeatures, long rows)
    {
        if ((long)inFeatures * outFeatures > MaxParameters)
        {
            throw Fail(index, "token map with too many weights");
        }

        layer.WeightCount = inFeatures * outFeatures;
        layer.BiasCount = layer.HasBias ? outFeatures : 0;
        layer.Macs = rows * inFeatures * outFeatures;
    }

    private static void CheckPositions(int index, int positions, int table)
    {
        if (positions > table)
        {
            throw Fail(index, ModelError.Sequence, string.Create(CultureInfo.InvariantCulture, $"{positions} positions per channel, the rotary table holds {table}"));
        }
    }

    /// <summary>A second input must come before the layer's own input (tensor <paramref name="index"/>) and have its shape.</summary>
    private static void CheckSkip(Layer layer, int index, int skip, Func<int, TensorShape> tensorShape, int? tensors)
    {
        if (tensors is { } last && skip > last)
        {
            throw Fail(index, ModelError.SkipMissing, string.Create(CultureInfo.InvariantCulture, $"skip connection to tensor {skip}, the model has tensors 0 to {last}"));
        }

        if (skip >= index)
        {
            throw Fail(index, ModelError.SkipLater, string.Create(CultureInfo.InvariantCulture, $"skip connection to tensor {skip}, which is not before this layer's input (tensor {index})"));
        }

        if (tensorShape(skip) != layer.Input)
        {
            throw Fail(index, ModelError.SkipShape, string.Create(CultureInfo.InvariantCulture, $"skip connection to tensor {skip} of another shape than the layer's input"));
        }
    }

    private static ModelFormatException Fail(int index, string reason) => Fail(index, ModelError.Layer, reason);

    private static ModelFormatException Fail(int index, ModelError error, string reason) =>
        new(error, string.Create(CultureInfo.InvariantCulture, $"layer {index}: {reason}"));
}
