using System.Globalization;

namespace BioTrain.Stream.Models;

/// <summary>Output shapes, parameter counts and MACs of a layer from its input (the device's rules, MODEL.md section 2).</summary>
internal static class ShapeRules
{
    public static void Derive(Layer layer, int index)
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
                if (p[0] == 0)
                {
                    throw Fail(index, "linear layer with no outputs");
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

            default:
                throw Fail(index, "unknown layer kind");
        }

        if (layer.Output.Size is 0 or > 1 << 24)
        {
            throw Fail(index, "output size out of range");
        }
    }

    private static ModelFormatException Fail(int index, string reason) =>
        new(string.Create(CultureInfo.InvariantCulture, $"layer {index}: {reason}"));
}
