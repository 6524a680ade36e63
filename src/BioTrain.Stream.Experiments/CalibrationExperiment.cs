using System.Diagnostics;
using System.Globalization;
using BioTrain.Stream.Device;
using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Device.Client;
using BioTrain.Stream.Device.Protocol.Messages;
using BioTrain.Stream.Experiments.Datasets;
using BioTrain.Stream.Models;

namespace BioTrain.Stream.Experiments;

/// <summary>
/// The calibration experiment: leave one subject out, pretrain on the others on the native virtual device,
/// then calibrate on the held-out subject with each mode and size and test on its data not used for
/// calibration; where it has a second session, also the drift experiment. Weights are saved once per fold
/// and written back before every calibration run, so every run starts from the same pretrained model.
/// </summary>
public sealed class CalibrationExperiment(Dataset dataset, CalibrationOptions options, TextWriter? log = null)
{
    private readonly Dataset _dataset = dataset ?? throw new ArgumentNullException(nameof(dataset));
    private readonly CalibrationOptions _options = options ?? throw new ArgumentNullException(nameof(options));
    private readonly TrainingRecipe _recipe = options.Recipe ?? dataset.Recipe;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public TrainingRecipe Recipe => _recipe;

    /// <summary>The calibration sizes actually run: requested (or default) sizes the held-out data can give.</summary>
    public IReadOnlyList<int> Sizes => (_options.CalibrationTrials.Count > 0 ? _options.CalibrationTrials : _dataset.DefaultCalibrationTrials)
        .Where(n => n > 0).Distinct().Order().ToList();

    public async Task<IReadOnlyList<RunResult>> RunAsync(CancellationToken cancellationToken)
    {
        var clientOptions = new DeviceClientOptions { InitialChunk = int.MaxValue, RequestTimeout = TimeSpan.FromSeconds(120) };
        var targets = _dataset.Subjects.Where(s => s.Role != SubjectRole.SourceOnly).ToList();
        if (_options.MaxHeldOut > 0)
        {
            targets = targets.Take(_options.MaxHeldOut).ToList();
        }

        var results = new List<RunResult>();
        await using var native = await DeviceConnection.OpenAsync(DeviceAddress.EmulatorNative, clientOptions, null, cancellationToken).ConfigureAwait(false);
        var separate = _options.SeparateCalibrationDevice || _options.Device.Kind != DeviceAddressKind.EmulatorNative;
        await using var calibrationConnection = separate
            ? await DeviceConnection.OpenAsync(_options.Device, clientOptions with { InitialChunk = 1024 }, null, cancellationToken).ConfigureAwait(false)
            : null;
        var pretrainer = new CalibrationRunner(new DeviceTrainer(new DeviceSession(native.Client)), _recipe);
        var calibrator = calibrationConnection is null ? pretrainer : new CalibrationRunner(new DeviceTrainer(new DeviceSession(calibrationConnection.Client)), _recipe);

        foreach (var seed in _options.Seeds)
        {
            foreach (var target in targets)
            {
                var sources = _dataset.Subjects.Where(s => s != target && s.Role != SubjectRole.TargetOnly).ToList();
                var blob = ModelFormat.Write(_dataset.Model.Build(checked((uint)seed)));
                var (initial, pretrained) = await PretrainAsync(pretrainer, blob, sources, seed, cancellationToken).ConfigureAwait(false);
                if (separate)
                {
                    await calibrator.Trainer.Session.LoadModelAsync(blob, calibrator.Config(CalibrationMode.Full), cancellationToken).ConfigureAwait(false);
                }

                results.AddRange(await DayOneAsync(calibrator, initial, pretrained, target, seed, cancellationToken).ConfigureAwait(false));
                if (_options.Drift && target.Sessions.Count >= 2)
                {
                    results.AddRange(await DriftAsync(calibrator, pretrained, target, seed, cancellationToken).ConfigureAwait(false));
                }
            }
        }

        return results;
    }

    /// <summary>Pretrains on the source subjects; returns the initial (random) and the pretrained weights.</summary>
    private async Task<(WeightsSnapshot Initial, WeightsSnapshot Pretrained)> PretrainAsync(CalibrationRunner runner, byte[] blob, List<SubjectData> sources, int seed,
        CancellationToken cancellationToken)
    {
        var data = sources.SelectMany(s => s.Sessions).SelectMany(s => s.Epochs).ToList();
        var result = await runner.PretrainAsync(blob, data, seed, cancellationToken).ConfigureAwait(false);
        Log($"pretrained on {sources.Count} subjects, {data.Count} windows, {result.Steps} steps: training accuracy {result.TrainingAccuracy:P1}");
        return (result.Initial, result.Weights);
    }

    private async Task<List<RunResult>> DayOneAsync(CalibrationRunner trainer, WeightsSnapshot initial, WeightsSnapshot pretrained, SubjectData target, int seed,
        CancellationToken cancellationToken)
    {
        var results = new List<RunResult>();
        var pool = target.Sessions[0];
        var random = new Random(StableSeed(seed, target.Id));
        var order = pool.TrialsByClass().ToDictionary(kv => kv.Key, kv => kv.Value.OrderBy(_ => random.Next()).ToList());
        var fewest = order.Values.Min(v => v.Count);
        List<Epoch> test;
        List<int> sizes;
        if (target.Sessions.Count >= 2)
        {
            // The subject's other session(s) are the test: never seen in calibration.
            test = target.Sessions.Skip(1).SelectMany(s => s.Epochs).ToList();
            sizes = Sizes.Where(n => n <= fewest).ToList();
        }
        else
        {
            // One session: the trials beyond the largest calibration size are the test, the same for every size.
            sizes = Sizes.Where(n => n < fewest).ToList();
            var largest = sizes.Count > 0 ? sizes[^1] : 0;
            var held = order.Values.SelectMany(v => v.Take(largest)).ToHashSet();
            test = pool.Epochs.Where(e => !held.Contains(e.Trial)).ToList();
        }

        if (_options.Modes.Contains(CalibrationMode.None))
        {
            // The calibration device may not be the one that pretrained (emu:qemu): give it the pretrained weights first.
            await trainer.RestoreAsync(pretrained, CalibrationMode.None, cancellationToken).ConfigureAwait(false);
            var none = await trainer.AccuracyAsync(test, cancellationToken).ConfigureAwait(false);
            results.Add(new RunResult(_dataset.Name, "day1", seed, target.Id, "none", 0, 0, test.Count, none));
        }

        foreach (var n in sizes)
        {
            var chosen = order.Values.SelectMany(v => v.Take(n)).ToHashSet();
            var calibration = pool.Epochs.Where(e => chosen.Contains(e.Trial)).ToList();
            foreach (var mode in _options.Modes.Where(m => m != CalibrationMode.None))
            {
                var start = mode == CalibrationMode.Scratch ? initial : pretrained;
                var accuracy = await CalibrateAsync(trainer, start, mode, calibration, test, seed, cancellationToken).ConfigureAwait(false);
                results.Add(new RunResult(_dataset.Name, "day1", seed, target.Id, Name(mode), n, calibration.Count, test.Count, accuracy));
            }
        }

        var line = string.Join(", ", results.Select(r => r.Mode == "none" ? $"none {r.Accuracy:P0}" : $"{r.Mode}@{r.CalibrationTrials} {r.Accuracy:P0}"));
        Log($"seed {seed} {_dataset.HoldOutUnit} {target.Id}: {line} ({test.Count} test windows)");
        return results;
    }

    /// <summary>
    /// Session 1 calibrates (full network, all its trials); session 2 is tested without adaptation, and after
    /// adapting on its first <see cref="CalibrationOptions.DriftTrials"/> trials per class with each mode.
    /// </summary>
    private async Task<List<RunResult>> DriftAsync(CalibrationRunner trainer, WeightsSnapshot pretrained, SubjectData target, int seed, CancellationToken cancellationToken)
    {
        var results = new List<RunResult>();
        var dayOne = target.Sessions[0].Epochs;
        var later = target.Sessions[1];
        var k = _options.DriftTrials;
        var adaptTrials = later.TrialsByClass().Values.SelectMany(v => v.Take(k)).ToHashSet();
        var adapt = later.Epochs.Where(e => adaptTrials.Contains(e.Trial)).ToList();
        var test = later.Epochs.Where(e => !adaptTrials.Contains(e.Trial)).ToList();
        if (adapt.Count == 0 || test.Count == 0)
        {
            return results;
        }

        await trainer.RestoreAsync(pretrained, CalibrationMode.None, cancellationToken).ConfigureAwait(false);
        results.Add(new RunResult(_dataset.Name, "drift", seed, target.Id, "pretrained", 0, 0, test.Count,
            await trainer.AccuracyAsync(test, cancellationToken).ConfigureAwait(false)));

        var day1Accuracy = await CalibrateAsync(trainer, pretrained, CalibrationMode.Full, dayOne, test, seed, cancellationToken).ConfigureAwait(false);
        var calibrated = await trainer.ReadWeightsAsync(cancellationToken).ConfigureAwait(false);
        results.Add(new RunResult(_dataset.Name, "drift", seed, target.Id, "session1", 0, dayOne.Count, test.Count, day1Accuracy));
        foreach (var mode in _options.Modes.Where(m => m is not (CalibrationMode.None or CalibrationMode.Scratch)))
        {
            var accuracy = await CalibrateAsync(trainer, calibrated, mode, adapt, test, seed, cancellationToken).ConfigureAwait(false);
            results.Add(new RunResult(_dataset.Name, "drift", seed, target.Id, "session1+" + Name(mode), k, adapt.Count, test.Count, accuracy));
        }

        Log($"seed {seed} {_dataset.HoldOutUnit} {target.Id} drift: " + string.Join(", ", results.Select(r => $"{r.Mode} {r.Accuracy:P0}")));
        return results;
    }

    private async Task<double> CalibrateAsync(CalibrationRunner trainer, WeightsSnapshot start, CalibrationMode mode, IReadOnlyList<Epoch> calibration, IReadOnlyList<Epoch> test,
        int seed, CancellationToken cancellationToken)
    {
        var accuracy = await trainer.CalibrateAsync(start, mode, calibration, test, seed, cancellationToken).ConfigureAwait(false);
        if (_options.LogFit)
        {
            Log($"  {Name(mode)} fit: calibration {await trainer.AccuracyAsync(calibration, cancellationToken).ConfigureAwait(false):P0}");
        }

        return accuracy;
    }

    /// <summary>A seed from the run's seed and a name that is the same in every process (string hashes are randomised per process).</summary>
    public static int StableSeed(int seed, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var hash = 2166136261u ^ (uint)seed;
        foreach (var c in name)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash & 0x7FFFFFFF);
    }

    public static string Name(CalibrationMode mode) => mode.ToString().ToLowerInvariant();

    private void Log(string message) =>
        log?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{_clock.Elapsed.TotalSeconds,7:F1}s] {_dataset.Name}: {message}"));
}
