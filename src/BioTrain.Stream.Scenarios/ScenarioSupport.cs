using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Daemon.Sessions;
using BioTrain.Stream.Lsl.Config;

namespace BioTrain.Stream.Scenarios;

/// <summary>What the scenarios share: the motor-imagery session, a private LSL configuration, waiting for a session's inlets, percentiles.</summary>
internal static class ScenarioSupport
{
    /// <summary>The classes of the shipped motor-imagery recordings (replay-data/eeg-mi).</summary>
    public static readonly string[] MotorImageryClasses = ["left_hand", "right_hand", "feet", "rest"];

    /// <summary>
    /// A session for the shipped motor-imagery recordings: their streams, 4-40 Hz and 50 Hz notch,
    /// 1.5 s windows every 0.25 s, five crops per trial, running normalisation, MI-BMInet trained
    /// fully with Adam and group norm. Callers set calibration's size and adaptation.
    /// </summary>
    public static SessionOptions MotorImagerySession(string name, string device) => new()
    {
        Name = name,
        Subject = name,
        Input = new InputOptions { Query = "name='SynthEEG-MI'" },
        Markers = new MarkerOptions { Query = "name='SynthEEG-MI-Markers'", Classes = [.. MotorImageryClasses] },
        Pipeline = new PipelineOptions
        {
            BandPassHz = [4, 40], NotchHz = 50, WindowSeconds = 1.5, StrideSeconds = 0.25,
            EpochOffsetsSeconds = [0.5, 0.75, 1.0, 1.25, 1.5], Normalize = NormalizeMode.Running, NormalizeSeconds = 20,
        },
        Device = device,
        Model = new ModelOptions { Name = "mi-bminet" },
        Calibration = new CalibrationOptions
        {
            BatchSize = 8, Optimizer = TrainingOptimizer.Adam, LearningRate = 0.002, Scope = TrainingScope.Full, Norm = NormLayers.Group,
            HoldOutFraction = 0,
        },
        Output = new OutputOptions { Name = $"BioTrain-{name}", SourceId = $"biotrain-{name}" },
    };

    /// <summary>A machine-only LSL configuration on a port block of its own, written for the daemon too.</summary>
    public static (LslConfig Config, string File) PrivateLslConfig(string directory)
    {
        var block = 40000 + (Random.Shared.Next(0, 300) * 64);
        var file = Path.Combine(directory, "lsl_api.cfg");
        File.WriteAllText(file, $"[ports]\nIPv6 = disable\nMulticastPort = {block}\nBasePort = {block + 1}\nPortRange = 48\n[multicast]\nResolveScope = machine\nListenAddress = 127.0.0.1\n");
        return (LslConfig.LoadFile(file), file);
    }

    /// <summary>
    /// A replay starts once any consumer is connected to each stream, and a watcher's inlet would do:
    /// wait until the session's own inlets are open, so it misses no cue.
    /// </summary>
    public static async Task WaitUntilListeningAsync(SubjectSession session, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (session.Status.State is SessionState.WaitingForStreams)
        {
            await Task.Delay(20, timeout.Token).ConfigureAwait(false);
        }
    }

    /// <summary>The p-quantile (nearest rank) of values; NaN for none. Sorts the list.</summary>
    public static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        values.Sort();
        return values[Math.Clamp((int)Math.Ceiling(p * values.Count) - 1, 0, values.Count - 1)];
    }
}
