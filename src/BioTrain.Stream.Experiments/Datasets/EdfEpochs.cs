using BioTrain.Stream.Formats.Edf;

namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>Reads an EDF+ recording's chosen EEG channels, channel-major, checking they share one rate.</summary>
internal static class EdfEpochs
{
    public static async Task<(EdfRecording Recording, float[][] Channels, double Rate)> ReadAsync(string file, IReadOnlyList<string> labels, CancellationToken cancellationToken)
    {
        EdfRecording recording;
        try
        {
            recording = await EdfReader.ReadAsync(file, null, cancellationToken).ConfigureAwait(false);
        }
        catch (EdfFormatException e)
        {
            throw new DatasetFormatException($"{file}: {e.Message}", e);
        }

        var signals = labels.Select(l => recording.Signals.FirstOrDefault(s => Normalise(s.Label) == Normalise(l))
            ?? throw new DatasetFormatException($"{file}: no channel '{l}' (has {string.Join(" ", recording.Signals.Select(s => s.Label))})")).ToList();
        var rate = signals[0].SampleRate;
        if (signals.Any(s => Math.Abs(s.SampleRate - rate) > 1e-9))
        {
            throw new DatasetFormatException($"{file}: the chosen channels have different sample rates");
        }

        var channels = signals.Select(s => s.Samples.Select(v => (float)v).ToArray()).ToArray();
        return (recording, channels, rate);
    }

    /// <summary>BCI2000 labels carry dots as padding (<c>C3..</c>, <c>Fc5.</c>): compare without them, case-insensitively.</summary>
    public static string Normalise(string label) => label.Trim().TrimEnd('.').ToUpperInvariant();
}
