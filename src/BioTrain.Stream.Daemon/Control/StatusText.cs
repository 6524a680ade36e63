using System.Globalization;
using BioTrain.Stream.Daemon.Sessions;

namespace BioTrain.Stream.Daemon.Control;

/// <summary>What <c>biotrain status</c> prints of a session: words and figures, no C# values (True, WaitingForStreams).</summary>
public static class StatusText
{
    public static IEnumerable<string> Lines(SessionStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var s = status;
        var inv = CultureInfo.InvariantCulture;
        yield return $"{s.Name} (subject {s.Subject}): {s.State.Words()}, device {s.Device}";
        yield return $"  device       {(s.DeviceUp ? "connected" : $"not connected ({s.DeviceProblem ?? "not opened yet"}); retrying")}";
        yield return $"  input        {s.InputStream ?? "not found yet"}";
        var trials = s.CalibrationTrialsPerClass.Count == 0
            ? "none yet"
            : string.Join(", ", s.CalibrationTrialsPerClass.Select(p => string.Create(inv, $"{p.Key} {p.Value}")));
        yield return string.Create(inv, $"  trials       {trials} (calibration needs {s.CalibrationTarget} per class)");
        var calibrated = s.Calibrated ? "calibrated" : "not calibrated yet";
        var weights = s.RestoredWeights ? "weights restored from an earlier run" : "started from the configured weights";
        yield return $"  model        {calibrated}; {weights}";
        yield return string.Create(inv, $"  accuracy     held-out {Percent(s.AccuracyBeforeCalibration)} before calibration, {Percent(s.CalibrationAccuracy)} after the last round; {Rounds(s.AdaptationRounds)}");
        yield return string.Create(inv, $"  predictions  {s.Predictions:N0} published, {s.WindowsDropped:N0} windows dropped");
        if (s.LastError is { } error)
        {
            yield return $"  last error   {error}";
        }
    }

    private static string Percent(double? value) => value is { } v ? v.ToString("P1", CultureInfo.InvariantCulture) : "not measured";

    private static string Rounds(int n) => n switch
    {
        0 => "no adaptation round yet",
        1 => "1 adaptation round",
        _ => string.Create(CultureInfo.InvariantCulture, $"{n} adaptation rounds"),
    };
}
