namespace BioTrain.Stream.Experiments.Datasets.Mat;

/// <summary>A file that is not a MAT-file this reader accepts; the message says where and why.</summary>
public sealed class MatFormatException : Exception
{
    public MatFormatException()
    {
    }

    public MatFormatException(string message)
        : base(message)
    {
    }

    public MatFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
