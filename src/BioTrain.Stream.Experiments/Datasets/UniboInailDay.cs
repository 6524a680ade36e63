using BioTrain.Stream.Experiments.Datasets.Mat;

namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>
/// One UniBo-INAIL recording (one user, one day, posture 1) as stored: the 4-channel envelope at 500 Hz
/// (channel-major), the trimmed labels (<c>relabel</c>, 0-based: 0 rest, 1-5 gestures) and the repetition
/// counter (<c>gestureCounter</c>: 0 before the first movement, then k for the k-th repetition of the
/// current gesture and the rest that follows it).
/// </summary>
public sealed record UniboInailDay(float[][] Channels, int[] Labels, int[] Repetitions)
{
    public const int ChannelCount = 4;
    public const int Classes = 6;

    public int Length => Labels.Length;

    /// <summary>Checks the four variables of one file and converts them; every problem is a <see cref="DatasetFormatException"/> naming the file.</summary>
    public static UniboInailDay From(IReadOnlyList<MatArray> arrays, string file)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        var emg = Find(arrays, "emg", file);
        var relabel = Find(arrays, "relabel", file);
        var counter = Find(arrays, "gestureCounter", file);
        if (emg.Columns != ChannelCount || emg.Dimensions.Count != 2)
        {
            throw new DatasetFormatException($"{file}: 'emg' is {string.Join(" x ", emg.Dimensions)}, expected N x {ChannelCount}");
        }

        var n = emg.Rows;
        if (n == 0)
        {
            throw new DatasetFormatException($"{file}: 'emg' holds no samples");
        }

        foreach (var column in new[] { relabel, counter })
        {
            if (column.Values.Length != n)
            {
                throw new DatasetFormatException($"{file}: '{column.Name}' has {column.Values.Length} values for {n} 'emg' rows");
            }
        }

        var channels = new float[ChannelCount][];
        for (var c = 0; c < ChannelCount; c++)
        {
            var source = emg.Column(c);
            var target = channels[c] = new float[n];
            for (var i = 0; i < n; i++)
            {
                target[i] = double.IsFinite(source[i])
                    ? (float)source[i]
                    : throw new DatasetFormatException($"{file}: 'emg' row {i + 1}, column {c + 1} is {source[i]}");
            }
        }

        var labels = new int[n];
        var repetitions = new int[n];
        for (var i = 0; i < n; i++)
        {
            var label = relabel.Values[i];
            labels[i] = label is >= 1 and <= Classes && label == Math.Floor(label)
                ? (int)label - 1
                : throw new DatasetFormatException($"{file}: 'relabel' row {i + 1} is {label}, expected a class 1-{Classes}");
            var k = counter.Values[i];
            repetitions[i] = k is >= 0 and <= 1000 && k == Math.Floor(k)
                ? (int)k
                : throw new DatasetFormatException($"{file}: 'gestureCounter' row {i + 1} is {k}, expected a repetition number");
        }

        return new UniboInailDay(channels, labels, repetitions);
    }

    /// <summary>
    /// The repetitions of the day in time order: every run of one trimmed label is one repetition
    /// (a gesture, or the rest that follows one), numbered by its place in the day. The rest before the
    /// first movement (counter 0) is left out: 30 of the 35 files start with the envelope filter's
    /// start-up transient there.
    /// </summary>
    public IReadOnlyList<Repetition> RepetitionsInOrder()
    {
        var list = new List<Repetition>();
        var start = 0;
        for (var i = 1; i <= Length; i++)
        {
            if (i < Length && Labels[i] == Labels[start])
            {
                continue;
            }

            if (Repetitions[start] > 0)
            {
                list.Add(new Repetition(start, i, Labels[start], Repetitions[start], list.Count));
            }

            start = i;
        }

        return list;
    }

    private static MatArray Find(IReadOnlyList<MatArray> arrays, string name, string file) =>
        arrays.FirstOrDefault(a => a.Name == name) ?? throw new DatasetFormatException(
            $"{file}: no variable '{name}' (has {string.Join(", ", arrays.Select(a => a.Name))})");
}

/// <summary>One repetition of a recording: samples [Start, End), its class, its gesture counter and its place (trial id) in the day.</summary>
public sealed record Repetition(int Start, int End, int Label, int Counter, int Trial)
{
    public int Length => End - Start;
}
