namespace BioTrain.Stream.Models;

/// <summary>A model that cannot be built or a blob that does not parse; the message says why, <see cref="Reason"/> what kind of why.</summary>
public sealed class ModelFormatException : Exception
{
    public ModelFormatException()
    {
    }

    public ModelFormatException(string message)
        : this(ModelError.Format, message)
    {
    }

    public ModelFormatException(string message, Exception innerException)
        : base(message, innerException) => Reason = ModelError.Format;

    public ModelFormatException(ModelError reason, string message)
        : base(message) => Reason = reason;

    public ModelError Reason { get; }
}
