namespace BioTrain.Stream.Daemon.Configuration;

/// <summary>One problem in the configuration, at a JSON path such as <c>$.sessions[0].pipeline.bandPassHz</c>.</summary>
public sealed record ConfigError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>The configuration is unreadable or invalid; every problem found is listed, each naming its key.</summary>
public sealed class DaemonConfigException : Exception
{
    public DaemonConfigException()
    {
    }

    public DaemonConfigException(string message)
        : base(message)
    {
    }

    public DaemonConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DaemonConfigException(string source, IReadOnlyList<ConfigError> errors)
        : base($"invalid configuration {source}:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", errors)}")
    {
        Errors = errors;
    }

    public IReadOnlyList<ConfigError> Errors { get; } = [];
}
