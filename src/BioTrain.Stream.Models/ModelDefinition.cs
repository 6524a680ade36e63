namespace BioTrain.Stream.Models;

/// <summary>A finished model: layers with their shapes, and the weights in blob order (MODEL.md section 3).</summary>
public sealed class ModelDefinition
{
    internal ModelDefinition(string name, TensorShape input, IReadOnlyList<Layer> layers, float[] weights, uint seed)
    {
        Name = name;
        Input = input;
        Layers = layers;
        Weights = weights;
        Seed = seed;
    }

    public string Name { get; }

    public TensorShape Input { get; }

    public IReadOnlyList<Layer> Layers { get; }

    /// <summary>Every parameter (weights, biases, norm running statistics) in the device's order.</summary>
    public IReadOnlyList<float> Weights { get; }

    public uint Seed { get; }

    public int Classes => (int)Layers[^1].Output.Size;

    public int ParameterCount => Weights.Count;

    /// <summary>Multiply-accumulates of convolutions and linear layers in one forward pass of one sample.</summary>
    public long MacsPerForward => Layers.Sum(l => l.Macs);

    /// <summary>The blob the device loads.</summary>
    public byte[] ToBytes() => ModelFormat.Write(this);
}
