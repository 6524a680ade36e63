using System.Text.RegularExpressions;
using BioTrain.Stream.Device;
using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Models;

namespace BioTrain.Stream.Daemon.Configuration;

/// <summary>Checks values that parse but make no sense, each error naming its key.</summary>
public static partial class DaemonConfigValidator
{
    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex NamePattern();

    /// <summary>Every problem of the configuration; <paramref name="forPretraining"/>: <c>model.initialWeights</c> may not exist yet (pretraining makes it).</summary>
    public static IReadOnlyList<ConfigError> Validate(DaemonOptions options, bool forPretraining = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<ConfigError>();
        void Error(string path, string message) => errors.Add(new ConfigError(path, message));

        if (string.IsNullOrWhiteSpace(options.StateDirectory) || !Path.IsPathRooted(options.StateDirectory))
        {
            Error("$.stateDirectory", "must be an absolute path");
        }

        CheckEndpoint(options.MetricsListen, "$.metricsListen", Error);
        CheckEndpoint(options.ControlListen, "$.controlListen", Error);
        if (options.StatusListen is { } status)
        {
            CheckEndpoint(status, "$.statusListen", Error);
            if (ListenEndpoint.TryParse(status, out var page, out _) && ListenEndpoint.TryParse(options.ControlListen, out var control, out _) && page!.IsSameListener(control))
            {
                Error("$.statusListen", "must differ from controlListen (the page is for anyone on this machine, the control API is not)");
            }
        }
        if (options.LslConfigFile is { } cfg && !File.Exists(cfg))
        {
            Error("$.lslConfigFile", $"file {cfg} does not exist");
        }

        if (options.Sessions.Count == 0)
        {
            Error("$.sessions", "at least one session is needed");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var subjects = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Sessions.Count; i++)
        {
            var s = options.Sessions[i];
            var at = $"$.sessions[{i}]";
            if (s is null)
            {
                Error(at, "null session");
                continue;
            }

            if (!NamePattern().IsMatch(s.Name))
            {
                Error($"{at}.name", $"'{s.Name}' must be 1-63 lower-case letters, digits or dashes");
            }
            else if (!names.Add(s.Name))
            {
                Error($"{at}.name", $"'{s.Name}' is used by another session");
            }

            if (string.IsNullOrWhiteSpace(s.Subject) || s.Subject.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || s.Subject is "." or "..")
            {
                Error($"{at}.subject", $"'{s.Subject}' must be a non-empty name usable as a directory");
            }
            else if (!subjects.Add(s.Subject))
            {
                Error($"{at}.subject", $"subject '{s.Subject}' is trained by another session too");
            }

            ValidateSession(s, at, forPretraining, Error);
        }

        return errors;
    }

    private static void ValidateSession(SessionOptions s, string at, bool forPretraining, Action<string, string> error)
    {
        if (string.IsNullOrWhiteSpace(s.Input.Query))
        {
            error($"{at}.input.query", "an LSL predicate is needed, e.g. type='EEG'");
        }

        if (!(s.Adaptation.RollbackDrop is >= 0 and <= 1))
        {
            error($"{at}.adaptation.rollbackDrop", "must be in [0, 1] (a fraction of accuracy, 0.2 = 20 points)");
        }

        if (s.Adaptation.CheckEvery is < 0 or > 1000 || s.Adaptation.CheckTrials is < 0 or > 1000)
        {
            error($"{at}.adaptation.checkEvery", "checkEvery and checkTrials must be in [0, 1000]");
        }

        if (!(s.Input.MaxAbsValue > 0 && float.IsFinite(s.Input.MaxAbsValue)))
        {
            error($"{at}.input.maxAbsValue", "must be a positive finite magnitude in the stream's units");
        }

        if (!(s.Input.BadInputSettleSeconds >= 0 && s.Input.BadInputSettleSeconds <= 60))
        {
            error($"{at}.input.badInputSettleSeconds", "must be in [0, 60] seconds");
        }

        if (!(s.Input.SourceCheckSeconds >= 0.5 && s.Input.SourceCheckSeconds <= 3600))
        {
            error($"{at}.input.sourceCheckSeconds", "must be in [0.5, 3600] seconds");
        }

        if (s.Markers.Classes.Count < 2)
        {
            error($"{at}.markers.classes", "at least two class names are needed");
        }
        else if (s.Markers.Classes.Distinct(StringComparer.Ordinal).Count() != s.Markers.Classes.Count)
        {
            error($"{at}.markers.classes", "class names must differ");
        }

        var p = s.Pipeline;
        if (p.BandPassHz.Count is not (0 or 2) || (p.BandPassHz.Count == 2 && !(p.BandPassHz[0] >= 0 && p.BandPassHz[1] > p.BandPassHz[0])))
        {
            error($"{at}.pipeline.bandPassHz", "give [low, high] in Hz with 0 <= low < high, or [] for none");
        }

        if (p.ResampleHz is { } rate && !(rate > 0))
        {
            error($"{at}.pipeline.resampleHz", "must be positive");
        }

        if (p.ResampleHz is { } r2 && p.BandPassHz.Count == 2 && p.BandPassHz[1] >= r2 / 2)
        {
            error($"{at}.pipeline.bandPassHz", $"high edge {p.BandPassHz[1]} Hz is at or above the Nyquist frequency {r2 / 2} Hz of resampleHz");
        }

        if (p.NotchHz is { } notch && !(notch > 0))
        {
            error($"{at}.pipeline.notchHz", "must be positive (50 or 60), or null");
        }

        if (!(p.WindowSeconds > 0 && p.WindowSeconds <= 30))
        {
            error($"{at}.pipeline.windowSeconds", "must be in (0, 30] seconds");
        }

        if (!(p.StrideSeconds > 0 && p.StrideSeconds <= p.WindowSeconds * 4))
        {
            error($"{at}.pipeline.strideSeconds", "must be positive and at most four windows");
        }

        if (p.EpochOffsetsSeconds.Count is 0 or > 64 || p.EpochOffsetsSeconds.Any(o => !double.IsFinite(o) || Math.Abs(o) > 60))
        {
            error($"{at}.pipeline.epochOffsetsSeconds", "give 1 to 64 offsets in seconds (within +-60 s of the marker)");
        }

        CheckWord(p.Normalize, $"{at}.pipeline.normalize", error);
        if (!(p.NormalizeSeconds > 0 && p.NormalizeSeconds <= 3600))
        {
            error($"{at}.pipeline.normalizeSeconds", "must be in (0, 3600] seconds");
        }

        if (p.Normalize == NormalizeMode.Scale)
        {
            if (p.ChannelLevels.Count == 0 || p.ChannelLevels.Any(l => !double.IsFinite(l) || l <= 0 || l > float.MaxValue))
            {
                error($"{at}.pipeline.channelLevels", "normalize 'scale' needs one positive level per channel");
            }
            else if (s.Input.Channels.Count > 0 && p.ChannelLevels.Count != s.Input.Channels.Count)
            {
                error($"{at}.pipeline.channelLevels", $"{p.ChannelLevels.Count} levels for {s.Input.Channels.Count} input channels");
            }

            if (!(p.ScaleClip > 0 && p.ScaleClip <= 1e6))
            {
                error($"{at}.pipeline.scaleClip", "must be in (0, 1e6]");
            }
        }
        else if (p.ChannelLevels.Count > 0)
        {
            error($"{at}.pipeline.channelLevels", "is used only with normalize 'scale'");
        }

        try
        {
            DeviceAddress.Parse(s.Device);
        }
        catch (DeviceAddressException e)
        {
            error($"{at}.device", e.Message);
        }

        if (!ModelZoo.Names.Contains(s.Model.Name))
        {
            error($"{at}.model.name", $"'{s.Model.Name}' is not one of {string.Join(", ", ModelZoo.Names)}");
        }

        if (s.Model.InitialWeights is { } weights && !forPretraining && !File.Exists(weights))
        {
            error($"{at}.model.initialWeights", $"file {weights} does not exist (biotrain model pretrain --config FILE --session {s.Name} --data RECORDINGS --out {weights} makes it)");
        }

        var c = s.Calibration;
        CheckWord(c.Start, $"{at}.calibration.start", error);
        CheckWord(c.Optimizer, $"{at}.calibration.optimizer", error);
        CheckWord(c.Scope, $"{at}.calibration.scope", error);
        CheckWord(c.Norm, $"{at}.calibration.norm", error);
        CheckWord(s.Inference.SampleFormat, $"{at}.inference.sampleFormat", error);
        if (c.Start == CalibrationStart.Markers && string.IsNullOrEmpty(s.Markers.CalibrationStart))
        {
            error($"{at}.markers.calibrationStart", "calibration.start is 'markers' but no start marker is named");
        }

        if (c.TrialsPerClass is < 1 or > 10000)
        {
            error($"{at}.calibration.trialsPerClass", "must be 1 to 10000");
        }

        if (c.Epochs is < 0 or > 10000)
        {
            error($"{at}.calibration.epochs", "must be 0 to 10000");
        }

        if (c.BatchSize is < 1 or > 64)
        {
            error($"{at}.calibration.batchSize", "must be 1 to 64 (the device's limit)");
        }

        if (!(c.LearningRate > 0 && c.LearningRate < 10))
        {
            error($"{at}.calibration.learningRate", "must be in (0, 10)");
        }

        if (!(c.HoldOutFraction >= 0 && c.HoldOutFraction < 1))
        {
            error($"{at}.calibration.holdOutFraction", "must be in [0, 1)");
        }

        var a = s.Adaptation;
        if (a.Every < 1)
        {
            error($"{at}.adaptation.every", "must be at least 1");
        }

        if (a.Rehearsal < 0 || a.Epochs < 1)
        {
            error($"{at}.adaptation", "rehearsal must be >= 0 and epochs >= 1");
        }

        if (a.RehearsalPool < Math.Max(1, a.Rehearsal) || a.RehearsalPool > 100_000)
        {
            error($"{at}.adaptation.rehearsalPool", "must be at least adaptation.rehearsal (and at least 1) and at most 100000 epochs");
        }

        if (!(s.Inference.DeadlineSeconds > 0 && s.Inference.DeadlineSeconds <= 60))
        {
            error($"{at}.inference.deadlineSeconds", "must be in (0, 60] seconds");
        }

        if (string.IsNullOrWhiteSpace(s.Output.Name))
        {
            error($"{at}.output.name", "the predictions stream needs a name");
        }
    }

    /// <summary>An enum the file named with a word that is not one of its values (read as undefined).</summary>
    private static void CheckWord<T>(T value, string path, Action<string, string> error)
        where T : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            error(path, $"must be one of {LowerCaseEnumConverter<T>.Allowed}");
        }
    }

    private static void CheckEndpoint(string value, string path, Action<string, string> error)
    {
        if (ListenEndpoint.TryParse(value, out _, out var problem))
        {
            return;
        }

        error(path, problem);
    }
}
