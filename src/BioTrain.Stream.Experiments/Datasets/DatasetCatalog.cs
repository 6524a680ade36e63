namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>The data sets the experiment knows, by name, and where their files are by default.</summary>
public static class DatasetCatalog
{
    public static IReadOnlyList<string> Names { get; } =
    [
        "uci-emg", "unibo-inail", "mi-openbci", "eegmmidb", "bulling-eog", "bci-essentials",
        "synthetic-eeg", "synthetic-emg", "synthetic-eog", "synthetic-shift",
    ];

    /// <summary>True for the project's own recordings (read from the repository's replay-data/), false for the shared real ones.</summary>
    public static bool IsProjectData(string name) => name.StartsWith("synthetic-", StringComparison.Ordinal);

    /// <summary>Loads a data set with the daemon's causal filtering.</summary>
    public static Task<Dataset> LoadAsync(string name, string dataDirectory, CancellationToken cancellationToken) =>
        LoadAsync(name, dataDirectory, FilterPhase.Causal, cancellationToken);

    /// <summary>Loads a data set; <paramref name="phase"/> says how its recordings are filtered (sets without a filter ignore it).</summary>
    public static async Task<Dataset> LoadAsync(string name, string dataDirectory, FilterPhase phase, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name switch
        {
            "synthetic-shift" => SubjectShiftGenerator.Generate(),
            "synthetic-eeg" or "synthetic-emg" or "synthetic-eog" => await SyntheticReplayLoader.LoadAsync(name, dataDirectory, phase, cancellationToken).ConfigureAwait(false),
            "uci-emg" => await UciEmgLoader.LoadAsync(dataDirectory, phase, cancellationToken).ConfigureAwait(false),
            "unibo-inail" => await UniboInailLoader.LoadAsync(dataDirectory, cancellationToken).ConfigureAwait(false),
            "mi-openbci" => await MiOpenBciLoader.LoadAsync(dataDirectory, phase, cancellationToken).ConfigureAwait(false),
            "eegmmidb" => await EegmmidbLoader.LoadAsync(dataDirectory, phase, cancellationToken).ConfigureAwait(false),
            "bulling-eog" => await BullingEogLoader.LoadAsync(dataDirectory, phase, cancellationToken).ConfigureAwait(false),
            "bci-essentials" => await BciEssentialsLoader.LoadAsync(dataDirectory, phase, cancellationToken).ConfigureAwait(false),
            _ => throw new DatasetFormatException($"unknown data set '{name}' (known: {string.Join(", ", Names)})"),
        };
    }

    /// <summary>Leave-one-out needs two units at least: a typed error names where too few were found.</summary>
    internal static List<SubjectData> RequireSubjects(List<SubjectData> subjects, string name, string where)
    {
        if (subjects.Count < 2)
        {
            throw new DatasetFormatException($"{name}: {where} holds {subjects.Count} subject(s) or run(s); leave-one-out needs at least 2");
        }

        return subjects;
    }

    /// <summary>Throws a typed error naming the missing folder.</summary>
    internal static string RequireDirectory(string directory, string what)
    {
        if (!Directory.Exists(directory))
        {
            throw new DatasetFormatException($"{what}: folder {directory} does not exist (give --data-dir)");
        }

        return directory;
    }
}
