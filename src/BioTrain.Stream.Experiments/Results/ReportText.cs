using System.Globalization;

namespace BioTrain.Stream.Experiments.Results;

/// <summary>
/// How every experiment report writes its numbers (invariant culture, accuracies in %, gains in signed points,
/// CSV fields with four decimals) and its folder of outputs; shared by the calibration and drift reports.
/// </summary>
public static class ReportText
{
    /// <summary>Accuracy as "mean ± sd" in %.</summary>
    public static string MeanSd(double mean, double std) => Inv($"{100 * mean:F1} ± {100 * std:F1}");

    /// <summary>A paired gain as signed points ± sd; empty when there is none.</summary>
    public static string Gain(double? mean, double? std) => mean is null ? string.Empty : Inv($"{100 * mean:+0.0;−0.0} ± {100 * std:F1}");

    public static string Percent(double? v) => v is { } x ? Inv($"{100 * x:F1}") : string.Empty;

    public static string Points(double? v) => v is { } x ? Inv($"{100 * x:+0.0;−0.0}") : string.Empty;

    /// <summary>A CSV field: four decimals, empty when absent.</summary>
    public static string Field(double? v) => v is { } x ? x.ToString("F4", CultureInfo.InvariantCulture) : string.Empty;

    public static string Inv(FormattableString s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return s.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A CSV: the header line, then one line per row.</summary>
    public static string Csv<T>(string header, IEnumerable<T> rows, Func<T, FormattableString> line)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(line);
        return header + "\n" + string.Concat(rows.Select(r => Inv(line(r)) + "\n"));
    }

    /// <summary>Writes the text files, then the plot, into <paramref name="directory"/>; returns their paths.</summary>
    public static async Task<IReadOnlyList<string>> WriteFolderAsync(
        string directory, IEnumerable<(string Name, string Content)> texts, string plotName, Action<string> savePlot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(savePlot);
        Directory.CreateDirectory(directory);
        var files = new List<string>();
        foreach (var (name, content) in texts)
        {
            var path = Path.Combine(directory, name);
            await File.WriteAllTextAsync(path, content, cancellationToken).ConfigureAwait(false);
            files.Add(path);
        }

        var plot = Path.Combine(directory, plotName);
        savePlot(plot);
        files.Add(plot);
        return files;
    }
}
