using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Experiments.Datasets;

namespace BioTrain.Stream.Experiments;

/// <summary>What one calibration experiment runs.</summary>
public sealed record CalibrationOptions
{
    public IReadOnlyList<CalibrationMode> Modes { get; init; } = [CalibrationMode.None, CalibrationMode.Last, CalibrationMode.Full];

    /// <summary>Calibration sizes in trials per class; empty: the data set's defaults.</summary>
    public IReadOnlyList<int> CalibrationTrials { get; init; } = [];

    public IReadOnlyList<int> Seeds { get; init; } = [1];

    /// <summary>Where calibration runs; pretraining always runs on the native virtual device (same engine).</summary>
    public DeviceAddress Device { get; init; } = DeviceAddress.EmulatorNative;

    /// <summary>Hold out at most this many units (0: all), for quick runs.</summary>
    public int MaxHeldOut { get; init; }

    /// <summary>Run the session-2 drift experiment where a subject has a second session.</summary>
    public bool Drift { get; init; } = true;

    /// <summary>Trials per class of session 2 used to adapt in the drift experiment.</summary>
    public int DriftTrials { get; init; } = 1;

    /// <summary>Also log each calibration's accuracy on its own calibration windows (costs one more evaluation): tells under- from overfitting.</summary>
    public bool LogFit { get; init; }

    /// <summary>
    /// Calibrate on a second device process even when <see cref="Device"/> is the native one, so the hand-over
    /// of pretrained weights between devices (as with emu:qemu) can be checked quickly.
    /// </summary>
    public bool SeparateCalibrationDevice { get; init; }

    /// <summary>Replaces the data set's training recipe (learning rates, epochs, norm mode) when set.</summary>
    public TrainingRecipe? Recipe { get; init; }
}
