using BioTrain.Stream.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BioTrain.Stream.Benchmarks;

/// <summary>
/// A model of the firmware's format (protocol/MODEL.md) written in libtorch: the same layers with
/// the same weights, group norm with the model's group counts (the engine's default norm mode).
/// Asymmetric 'same' padding is an explicit pad before the convolution.
/// </summary>
internal sealed class TorchModel : IDisposable
{
    private readonly List<Func<Tensor, Tensor>> _layers = [];
    private readonly List<Parameter> _parameters = [];

    public TorchModel(ModelDefinition model, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(model);
        var offset = 0;
        foreach (var layer in model.Layers)
        {
            var p = layer.HyperParameters;
            Tensor? w = layer.WeightCount > 0 ? Slice(model, offset, layer.WeightCount, dtype) : null;
            Tensor? b = layer.BiasCount > 0 ? Slice(model, offset + layer.WeightCount, layer.BiasCount, dtype) : null;
            offset += layer.ParameterCount;
            switch (layer.Kind)
            {
                case LayerKind.Conv2D:
                {
                    var weight = Trainable(w!.reshape(p[0], layer.Input.Channels / p[9], p[1], p[2]));
                    var bias = b is null ? null : Trainable(b);
                    Add(weight, bias);
                    long[] pad = [p[6], p[8], p[5], p[7]];
                    long[] stride = [p[3], p[4]];
                    long groups = p[9];
                    _layers.Add(x => nn.functional.conv2d(nn.functional.pad(x, pad), weight, bias, strides: stride, groups: groups));
                    break;
                }

                case LayerKind.Linear:
                {
                    var weight = Trainable(w!.reshape(p[0], layer.Input.Size));
                    var bias = b is null ? null : Trainable(b);
                    Add(weight, bias);
                    _layers.Add(x => nn.functional.linear(x.flatten(1), weight, bias));
                    break;
                }

                case LayerKind.Norm:
                {
                    var gamma = Trainable(w!);
                    var beta = Trainable(b!);
                    Add(gamma, beta);
                    var c = layer.Input.Channels;
                    long groups = p[0] != 0 ? p[0] : (c % 2 == 0 ? c / 2 : 1);
                    double eps = layer.F;
                    _layers.Add(x => nn.functional.group_norm(x, groups, gamma, beta, eps));
                    break;
                }

                case LayerKind.Relu:
                    _layers.Add(x => nn.functional.relu(x));
                    break;
                case LayerKind.Elu:
                {
                    double alpha = layer.F;
                    _layers.Add(x => nn.functional.elu(x, alpha));
                    break;
                }

                case LayerKind.AvgPool:
                {
                    long[] k = [p[0], p[1]];
                    long[] s = [p[2], p[3]];
                    _layers.Add(x => nn.functional.avg_pool2d(x, k, s));
                    break;
                }

                case LayerKind.MaxPool:
                {
                    long[] k = [p[0], p[1]];
                    long[] s = [p[2], p[3]];
                    _layers.Add(x => nn.functional.max_pool2d(x, k, s));
                    break;
                }

                case LayerKind.Flatten:
                    _layers.Add(x => x.flatten(1));
                    break;
                default:
                    throw new NotSupportedException($"layer kind {layer.Kind}");
            }
        }
    }

    /// <summary>Trainable tensors in blob order: per layer its weights, then its bias (norm: gamma, beta).</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Logits of a batch (n, c, h, w).</summary>
    public Tensor Forward(Tensor x)
    {
        foreach (var layer in _layers)
        {
            x = layer(x);
        }

        return x;
    }

    public void Dispose()
    {
        foreach (var p in _parameters)
        {
            p.Dispose();
        }
    }

    private static Parameter Trainable(Tensor values) => new(values.detach(), requires_grad: true);

    private void Add(Parameter weight, Parameter? bias)
    {
        _parameters.Add(weight);
        if (bias is not null)
        {
            _parameters.Add(bias);
        }
    }

    private static Tensor Slice(ModelDefinition model, int offset, int count, ScalarType dtype)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = model.Weights[offset + i];
        }

        return tensor(values).to_type(dtype);
    }
}
