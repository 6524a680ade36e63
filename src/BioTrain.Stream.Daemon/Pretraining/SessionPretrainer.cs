using System.Diagnostics;
using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Daemon.Sessions;
using BioTrain.Stream.Device;
using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Device.Client;
using BioTrain.Stream.Device.Protocol.Messages;
using BioTrain.Stream.Formats.Xdf;

namespace BioTrain.Stream.Daemon.Pretraining;

/// <summary>How <c>biotrain model pretrain</c> trains; the defaults are the demo's.</summary>
public sealed record PretrainOptions
{
    /// <summary>Passes over the training windows.</summary>
    public int Epochs { get; init; } = 40;

    public float LearningRate { get; init; } = 0.002f;

    public int BatchSize { get; init; } = 16;

    /// <summary>Whole trials held out of each recording to score the weights before and after (0: none).</summary>
    public double HoldOutFraction { get; init; } = 0.2;

    /// <summary>Seeds the held-out choice and the batch order: the same inputs give the same weights.</summary>
    public int Seed { get; init; } = 5;

    /// <summary>The device that trains: the native virtual device by default (bit-identical to the firmware).</summary>
    public string Device { get; init; } = "emu:native";

    public IProgress<PretrainProgress>? Progress { get; init; }
}

/// <summary>One optimiser step done: <paramref name="Step"/> of <paramref name="Steps"/>, in pass <paramref name="Epoch"/> (from 1).</summary>
public readonly record struct PretrainProgress(int Step, int Steps, int Epoch, int Epochs, float Loss);

/// <summary>What pretraining did; accuracies in [0, 1], null where nothing was held out.</summary>
public sealed record PretrainReport(
    string Session,
    int Recordings,
    int TrainWindows,
    int HeldOutWindows,
    int Epochs,
    double? HeldOutAccuracyBefore,
    double? HeldOutAccuracyAfter,
    double TrainAccuracyLastEpoch,
    double Chance,
    double Seconds,
    double SamplesPerSecond,
    int WeightBytes,
    string Output);

/// <summary>A problem with pretraining's inputs or output, said in terms the user can act on.</summary>
public sealed class PretrainException : Exception
{
    public PretrainException()
    {
    }

    public PretrainException(string message)
        : base(message)
    {
    }

    public PretrainException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Pretrains a session's model on a cohort of recordings, cut by the session's own pipeline (its
/// channels, filters, windows, crops and labels), so the weights it writes are what the session's
/// <c>model.initialWeights</c> takes. Trains on a device (the native virtual one by default).
/// </summary>
public static class SessionPretrainer
{
    public static async Task<PretrainReport> RunAsync(SessionOptions session, IReadOnlyList<string> recordings, string output, PretrainOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(recordings);
        ArgumentNullException.ThrowIfNull(options);
        if (recordings.Count == 0)
        {
            throw new PretrainException("no recordings given (--data FILE.xdf ...)");
        }

        var watch = Stopwatch.StartNew();
        var train = new List<LabelledSample>();
        var held = new List<LabelledSample>();
        byte[]? model = null;
        foreach (var path in recordings)
        {
            var (plan, trials) = await ReadAsync(path, session, cancellationToken).ConfigureAwait(false);
            var blob = SessionModel.Blob(session, plan);
            if (model is not null && !blob.AsSpan().SequenceEqual(model))
            {
                throw new PretrainException($"{path}: its channels or rate give the session a different model than {recordings[0]} does");
            }

            model = blob;
            var set = new CalibrationSet();
            foreach (var (sample, time) in trials)
            {
                set.Add(sample, time);
            }

            var (t, h) = set.Split(options.HoldOutFraction, options.Seed);
            train.AddRange(t);
            held.AddRange(h);
        }

        if (train.Count == 0)
        {
            throw new PretrainException($"no labelled windows of the classes {string.Join(", ", session.Markers.Classes)} in {string.Join(", ", recordings)}");
        }

        var result = await TrainAsync(model!, ConfigFor(session, options), train, held, options, cancellationToken).ConfigureAwait(false);
        await WriteAsync(output, result.Weights, cancellationToken).ConfigureAwait(false);
        var seconds = watch.Elapsed.TotalSeconds;
        return new PretrainReport(
            session.Name, recordings.Count, train.Count, held.Count, options.Epochs, result.Before, result.After, result.TrainAccuracy,
            1.0 / session.Markers.Classes.Count, seconds, (double)train.Count * options.Epochs / Math.Max(result.TrainSeconds, 1e-9), result.Weights.Length, output);
    }

    /// <summary>The session's training settings (its normalisation layers above all), as full training with Adam at the pretraining rate.</summary>
    public static TrainingConfig ConfigFor(SessionOptions session, PretrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(options);
        return session.Calibration.TrainingConfig() with
        {
            Optimizer = Optimizer.Adam,
            LearningRate = options.LearningRate,
            BatchSize = (ushort)options.BatchSize,
            Scope = TrainScope.Full,
        };
    }

    /// <summary>Weights trained from the model's seeded start, and held-out accuracy before and after (null when nothing is held out).</summary>
    public sealed record TrainResult(byte[] Weights, double? Before, double? After, double TrainAccuracy, double TrainSeconds);

    /// <summary>Trains a model blob from its seeded weights on the given windows.</summary>
    public static async Task<TrainResult> TrainAsync(byte[] model, TrainingConfig config, IReadOnlyList<LabelledSample> train, IReadOnlyList<LabelledSample> heldOut, PretrainOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(heldOut);
        ArgumentNullException.ThrowIfNull(options);
        await using var connection = await DeviceConnection.OpenAsync(DeviceAddress.Parse(options.Device), new DeviceClientOptions { InitialChunk = int.MaxValue }, null, cancellationToken).ConfigureAwait(false);
        var device = new DeviceSession(connection.Client);
        var trainer = new DeviceTrainer(device);
        await device.LoadModelAsync(model, config, cancellationToken).ConfigureAwait(false);
        var before = await ScoreAsync(trainer, heldOut, cancellationToken).ConfigureAwait(false);

        var perEpoch = (train.Count + options.BatchSize - 1) / options.BatchSize;
        var steps = perEpoch * options.Epochs;
        var (correct, seen) = (0, 0);
        var watch = Stopwatch.StartNew();
        await trainer.TrainAsync(
            ShuffledBatches.Of(train, options.Epochs, options.BatchSize, options.Seed),
            (step, r) =>
            {
                if (step > steps - perEpoch)
                {
                    (correct, seen) = (correct + r.Correct, seen + r.Count); // the last pass: how well it fits
                }

                options.Progress?.Report(new PretrainProgress(step, steps, ((step - 1) / perEpoch) + 1, options.Epochs, r.LossMean));
            },
            cancellationToken).ConfigureAwait(false);

        var trainSeconds = watch.Elapsed.TotalSeconds;
        var after = await ScoreAsync(trainer, heldOut, cancellationToken).ConfigureAwait(false);
        var weights = await device.ReadWeightsAsync(cancellationToken).ConfigureAwait(false);
        return new TrainResult(weights.Bytes.ToArray(), before, after, seen == 0 ? double.NaN : (double)correct / seen, trainSeconds);
    }

    private static async Task<double?> ScoreAsync(DeviceTrainer trainer, IReadOnlyList<LabelledSample> samples, CancellationToken ct) =>
        samples.Count == 0 ? null : await trainer.AccuracyAsync(samples, ct).ConfigureAwait(false);

    private static async Task<(SessionPlan Plan, IReadOnlyList<(LabelledSample Sample, double MarkerTime)> Trials)> ReadAsync(string path, SessionOptions session, CancellationToken ct)
    {
        if (!File.Exists(path))
        {
            throw new PretrainException($"{path}: no such recording");
        }

        if (!path.EndsWith(".xdf", StringComparison.OrdinalIgnoreCase))
        {
            throw new PretrainException($"{path}: pretraining reads XDF recordings (biotrain convert turns EDF/BDF into XDF)");
        }

        try
        {
            return await RecordingEpochs.TrialsFromXdfAsync(path, session, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is XdfFormatException or InvalidOperationException or IOException)
        {
            throw new PretrainException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Whole or not at all: a temporary file beside the output, flushed, then renamed over it.</summary>
    private static async Task WriteAsync(string output, byte[] weights, CancellationToken ct)
    {
        try
        {
            var full = Path.GetFullPath(output);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            var temp = full + ".partial";
            await using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, useAsync: true))
            {
                await file.WriteAsync(weights, ct).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PretrainException($"cannot write {output}: {e.Message}", e);
        }
    }
}
