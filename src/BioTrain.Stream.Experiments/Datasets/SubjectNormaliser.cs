namespace BioTrain.Stream.Experiments.Datasets;

/// <summary>
/// The normalisation every data set gets: each window has its per-channel mean removed (baseline / DC), then
/// each channel is divided by the subject's typical within-window RMS of that channel, measured on the
/// subject's first session only (no labels used), and clipped at +-<see cref="Clip"/>. Scaling per subject,
/// not per window, keeps amplitude differences between classes (rest vs contraction in EMG) that a per-window
/// z-score would erase; fixing it on the first session keeps later sessions' drift in the data, as a deployed
/// system would see it. For an amplitude envelope (the level is the signal) the mean is kept and the
/// scale is the channel's root mean square level (<see cref="Centre"/> false).
/// </summary>
public sealed class SubjectNormaliser
{
    public const float Clip = 20f;

    private readonly float[] _scale;
    private readonly int _length;

    private SubjectNormaliser(float[] scale, int length, bool centre)
    {
        _scale = scale;
        _length = length;
        Centre = centre;
    }

    /// <summary>Whether each window's channel mean is removed (and the scale measured about it).</summary>
    public bool Centre { get; }

    /// <summary>What each channel is divided by, in the recording's units (the daemon's <c>pipeline.channelLevels</c> for the same scaling live).</summary>
    public IReadOnlyList<float> Levels => _scale;

    public static SubjectNormaliser Fit(IReadOnlyList<RawWindow> windows, int channels, bool centre = true)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.Count == 0)
        {
            throw new DatasetFormatException("no windows to fit the subject's channel scale on");
        }

        var length = windows[0].Values.Length / channels;
        var sum = new double[channels];
        foreach (var w in windows)
        {
            for (var c = 0; c < channels; c++)
            {
                var values = w.Values.AsSpan(c * length, length);
                sum[c] += centre ? Variance(values) : MeanSquare(values);
            }
        }

        // A flat channel (disconnected electrode) keeps scale 1 instead of blowing up.
        var scale = sum.Select(s => Math.Sqrt(s / windows.Count)).Select(r => r > 1e-12 ? (float)r : 1f).ToArray();
        return new SubjectNormaliser(scale, length, centre);
    }

    public Epoch Apply(RawWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        var values = new float[window.Values.Length];
        for (var c = 0; c < _scale.Length; c++)
        {
            var source = window.Values.AsSpan(c * _length, _length);
            var mean = Centre ? Mean(source) : 0.0;
            var target = values.AsSpan(c * _length, _length);
            for (var i = 0; i < _length; i++)
            {
                target[i] = Math.Clamp((float)((source[i] - mean) / _scale[c]), -Clip, Clip);
            }
        }

        return new Epoch(values, window.Label, window.Trial);
    }

    /// <summary>Normalises every session of a subject with the scale of its first session.</summary>
    public static SubjectData Subject(string id, IReadOnlyList<(string Name, List<RawWindow> Windows)> sessions, int channels, SubjectRole role = SubjectRole.Both, bool centre = true)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        return Fit(sessions[0].Windows, channels, centre).Apply(id, sessions, role);
    }

    /// <summary>Normalises every session of a subject with this scale.</summary>
    public SubjectData Apply(string id, IReadOnlyList<(string Name, List<RawWindow> Windows)> sessions, SubjectRole role = SubjectRole.Both)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        return new SubjectData(id, sessions.Select(s => new SessionData(s.Name, s.Windows.Select(Apply).ToList())).ToList(), role);
    }

    private static double Mean(ReadOnlySpan<float> x)
    {
        var sum = 0.0;
        foreach (var v in x)
        {
            sum += v;
        }

        return sum / x.Length;
    }

    private static double MeanSquare(ReadOnlySpan<float> x)
    {
        var sum = 0.0;
        foreach (var v in x)
        {
            sum += v * (double)v;
        }

        return sum / x.Length;
    }

    private static double Variance(ReadOnlySpan<float> x)
    {
        var mean = Mean(x);
        var sum = 0.0;
        foreach (var v in x)
        {
            sum += (v - mean) * (v - mean);
        }

        return sum / x.Length;
    }
}
