namespace BioTrain.Stream.Models;

/// <summary>A per-sample tensor shape (channels, height, width); a biosignal window is (1, electrodes, samples).</summary>
public readonly record struct TensorShape(int Channels, int Height, int Width)
{
    public long Size => (long)Channels * Height * Width;

    public override string ToString() => $"{Channels}x{Height}x{Width}";
}
