namespace BioTrain.Stream.Daemon.Configuration;

/// <summary>One subject's session: streams in, pipeline, device, model, calibration policy, predictions out.</summary>
public sealed class SessionOptions
{
    /// <summary>Identifier in the control API and metrics: lower-case letters, digits and dashes.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Whose adapted weights these are; the key of persistence.</summary>
    public string Subject { get; set; } = string.Empty;

    public InputOptions Input { get; set; } = new();

    public MarkerOptions Markers { get; set; } = new();

    public PipelineOptions Pipeline { get; set; } = new();

    /// <summary>Device address: emu:native, emu:qemu, unix:PATH, tcp:HOST:PORT, serial:..., usb:...</summary>
    public string Device { get; set; } = "emu:native";

    public ModelOptions Model { get; set; } = new();

    public CalibrationOptions Calibration { get; set; } = new();

    public AdaptationOptions Adaptation { get; set; } = new();

    public InferenceOptions Inference { get; set; } = new();

    public OutputOptions Output { get; set; } = new();
}

/// <summary>The signal stream to read.</summary>
public sealed class InputOptions
{
    /// <summary>LSL predicate, e.g. <c>type='EEG' and source_id='amp-1234'</c>.</summary>
    public string Query { get; set; } = "type='EEG'";

    /// <summary>Channel labels to use, in model order; empty: all channels in stream order.</summary>
    public List<string> Channels { get; set; } = [];

    /// <summary>
    /// Largest magnitude taken as signal, in the stream's units: a value beyond it (or NaN, ±Inf) is
    /// counted, replaced before the filters, and no window or epoch that overlaps it reaches the device.
    /// The default only catches absurd values (a 24-bit amplifier's raw counts stay below 8.4e6).
    /// </summary>
    public float MaxAbsValue { get; set; } = 1e8f;

    /// <summary>Seconds around bad input in which the filtered signal is not trusted (the filters' settling).</summary>
    public double BadInputSettleSeconds { get; set; } = 1.0;

    /// <summary>
    /// Whether the session may move to another source that matches its query once it has bound to
    /// one (false: it stays with the first stream's source_id and hostname, and a new match is only
    /// reported). LSL has no authentication: anyone on the network can publish a matching stream.
    /// </summary>
    public bool FollowNewSources { get; set; }

    /// <summary>Seconds between looks for other streams that match the query (each look waits 1 s for answers).</summary>
    public double SourceCheckSeconds { get; set; } = 5.0;
}

/// <summary>The marker stream and what its strings mean.</summary>
public sealed class MarkerOptions
{
    public string Query { get; set; } = "type='Markers'";

    /// <summary>Class names in model output order; a marker with one of these strings labels an epoch.</summary>
    public List<string> Classes { get; set; } = [];

    /// <summary>Marker that starts calibration (optional; see <see cref="CalibrationOptions.Start"/>).</summary>
    public string? CalibrationStart { get; set; }

    /// <summary>Marker that ends calibration early and trains on what was collected.</summary>
    public string? CalibrationEnd { get; set; }
}

/// <summary>Filtering and windowing; the model's input is channels x (window x rate).</summary>
public sealed class PipelineOptions
{
    /// <summary>Band-pass edges in Hz, e.g. [8, 30]; empty: no band-pass.</summary>
    public List<double> BandPassHz { get; set; } = [];

    /// <summary>Mains notch in Hz (50 or 60); null: none.</summary>
    public double? NotchHz { get; set; }

    /// <summary>Rate the model expects; null: the stream's nominal rate.</summary>
    public double? ResampleHz { get; set; }

    public bool CommonAverageReference { get; set; }

    /// <summary>Window length in seconds (model input length).</summary>
    public double WindowSeconds { get; set; } = 2.0;

    /// <summary>Hop between inference windows while running.</summary>
    public double StrideSeconds { get; set; } = 0.25;

    /// <summary>
    /// Starts of labelled epochs relative to their marker; several offsets cut several crops of one
    /// trial (they count as one trial toward calibration, and stay together in held-out splits).
    /// </summary>
    public List<double> EpochOffsetsSeconds { get; set; } = [0.0];

    /// <summary>
    /// <c>running</c>: per channel against exponentially weighted statistics of the last
    /// <see cref="NormalizeSeconds"/> (keeps differences of power between windows, which is what
    /// motor imagery is); <c>zscore</c>: per window and channel (removes them: for shape-coded
    /// signals); <c>scale</c>: each channel divided by a fixed level (<see cref="ChannelLevels"/>),
    /// not centred, clipped at <see cref="ScaleClip"/> (for amplitude envelopes, whose level is the
    /// signal: the offline experiments' subject scaling); <c>none</c>.
    /// </summary>
    public NormalizeMode Normalize { get; set; } = NormalizeMode.Running;

    /// <summary>Time constant of running normalisation.</summary>
    public double NormalizeSeconds { get; set; } = 30;

    /// <summary>
    /// With <c>normalize: scale</c>: one level per selected channel, in the stream's units (for example
    /// the subject's RMS on a first session); each channel is divided by its level.
    /// </summary>
    public List<double> ChannelLevels { get; set; } = [];

    /// <summary>With <c>normalize: scale</c>: scaled values are clipped at plus or minus this.</summary>
    public double ScaleClip { get; set; } = 20;
}

/// <summary>The network to train on the device.</summary>
public sealed class ModelOptions
{
    /// <summary>mi-bminet, epidenet or eegnet.</summary>
    public string Name { get; set; } = "mi-bminet";

    public int F1 { get; set; }

    public int D { get; set; }

    public int F2 { get; set; }

    public uint Seed { get; set; } = 1;

    /// <summary>Weights to start from (float32 LE parameter section, e.g. pretrained on other subjects); null: seeded initialisation.</summary>
    public string? InitialWeights { get; set; }
}

/// <summary>When and how a subject is calibrated.</summary>
public sealed class CalibrationOptions
{
    /// <summary><c>auto</c>: collect from the first labelled epoch on; <c>markers</c>: between CalibrationStart/End markers; <c>api</c>: when asked.</summary>
    public CalibrationStart Start { get; set; } = CalibrationStart.Auto;

    public int TrialsPerClass { get; set; } = 10;

    /// <summary>Passes over the calibration set.</summary>
    public int Epochs { get; set; } = 20;

    public int BatchSize { get; set; } = 8;

    public TrainingOptimizer Optimizer { get; set; } = TrainingOptimizer.Adam;

    public double LearningRate { get; set; } = 0.001;

    /// <summary>full, last, bias, or frozen (no adaptation).</summary>
    public TrainingScope Scope { get; set; } = TrainingScope.Full;

    /// <summary>group, batch, or frozen.</summary>
    public NormLayers Norm { get; set; } = NormLayers.Group;

    /// <summary>Share of calibration epochs held out to measure accuracy.</summary>
    public double HoldOutFraction { get; set; } = 0.2;
}

/// <summary>Fine-tuning while running, from labelled epochs that keep arriving.</summary>
public sealed class AdaptationOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>New labelled epochs that trigger a round.</summary>
    public int Every { get; set; } = 8;

    /// <summary>Calibration epochs replayed with the new ones, against forgetting.</summary>
    public int Rehearsal { get; set; } = 32;

    /// <summary>Most epochs kept to rehearse from (calibration and adapted ones, a uniform sample of all seen).</summary>
    public int RehearsalPool { get; set; } = 512;

    public int Epochs { get; set; } = 2;

    /// <summary>
    /// A round that lowers accuracy on the held-out check set by more than this (0.2 = 20 points) is
    /// undone: the weights from before the round go back on the device and are what is saved.
    /// </summary>
    public double RollbackDrop { get; set; } = 0.2;

    /// <summary>
    /// Without a calibration held-out set (weights restored from an earlier run), every Nth new trial is
    /// kept out of training for the check set until it holds <see cref="CheckTrials"/> trials; 0: never.
    /// </summary>
    public int CheckEvery { get; set; } = 4;

    /// <summary>Trials the check set gathers from new trials when calibration left none.</summary>
    public int CheckTrials { get; set; } = 8;
}

/// <summary>How predictions are made while the device also trains.</summary>
public sealed class InferenceOptions
{
    /// <summary>How new samples travel to the device's input ring: float32 (exact), float16 or int16 (a scale per channel; half the bytes).</summary>
    public LinkSampleFormat SampleFormat { get; set; } = LinkSampleFormat.Binary32;

    /// <summary>A prediction not made within this many seconds of its last sample's arrival is dropped and counted, never published stale.</summary>
    public double DeadlineSeconds { get; set; } = 1.0;
}

/// <summary>The prediction streams.</summary>
public sealed class OutputOptions
{
    /// <summary>Name of the float32 probabilities stream; the marker stream is <c>NAME-Markers</c>.</summary>
    public string Name { get; set; } = "BioTrain-Predictions";

    /// <summary>Stable source_id so consumers recover after a daemon restart; default <c>biotrain-SESSION</c>.</summary>
    public string? SourceId { get; set; }
}
