namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>A data file that cannot be read as the data set describes it: the message names the file and what is wrong.</summary>
public sealed class DatasetFormatException : Exception
{
    public DatasetFormatException()
    {
    }

    public DatasetFormatException(string message)
        : base(message)
    {
    }

    public DatasetFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
