using System.Diagnostics;
using System.Globalization;
using BioTrain.Stream.Device;
using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Device.Client;
using BioTrain.Stream.Experiments.Datasets;
using BioTrain.Stream.Models;

namespace BioTrain.Stream.Experiments.Drift;

/// <summary>
/// The drift protocol on a multi-day data set (sessions = days): per user, a model pretrained on the other
/// users and one trained on the user's first day; on each later day, no adaptation, last-layer and full
/// adaptation on the day's first K repetitions per class, tested on the rest of that day; independently from
/// the pretrained weights and cumulatively (weights carried from day to day). All on the native virtual device.
/// </summary>
public sealed class DriftExperiment(Dataset dataset, DriftOptions options, CalibrationOptions calibration, TextWriter? log = null)
{
    private static readonly CalibrationMode[] Adapting = [CalibrationMode.Last, CalibrationMode.Full];
    private readonly Dataset _dataset = dataset ?? throw new ArgumentNullException(nameof(dataset));
    private readonly DriftOptions _options = options ?? throw new ArgumentNullException(nameof(options));
    private readonly TrainingRecipe _recipe = calibration?.Recipe ?? dataset.Recipe;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public TrainingRecipe Recipe => _recipe;

    public async Task<IReadOnlyList<DriftRun>> RunAsync(CancellationToken cancellationToken)
    {
        var users = _dataset.Subjects.Where(s => s.Sessions.Count >= 2 && s.Role != SubjectRole.SourceOnly).ToList();
        if (users.Count == 0 || _dataset.Subjects.Count < 2)
        {
            throw new DatasetFormatException($"{_dataset.Name}: the drift protocol needs at least 2 subjects, and some with 2 or more sessions (days)");
        }

        if (_options.MaxUsers > 0)
        {
            users = users.Take(_options.MaxUsers).ToList();
        }

        var clientOptions = new DeviceClientOptions { InitialChunk = int.MaxValue, RequestTimeout = TimeSpan.FromSeconds(120) };
        await using var native = await DeviceConnection.OpenAsync(DeviceAddress.EmulatorNative, clientOptions, null, cancellationToken).ConfigureAwait(false);
        var runner = new CalibrationRunner(new DeviceTrainer(new DeviceSession(native.Client)), _recipe);
        var results = new List<DriftRun>();
        foreach (var seed in _options.Seeds)
        {
            foreach (var user in users)
            {
                var blob = ModelFormat.Write(_dataset.Model.Build(checked((uint)seed)));
                var others = _dataset.Subjects.Where(s => s != user && s.Role != SubjectRole.TargetOnly).SelectMany(s => s.Sessions).SelectMany(s => s.Epochs).ToList();
                var fromOthers = await runner.PretrainAsync(blob, others, seed, cancellationToken).ConfigureAwait(false);
                Log($"seed {seed} {user.Id}: pretrained on the other users ({others.Count} windows, {fromOthers.Steps} steps, training accuracy {fromOthers.TrainingAccuracy:P1})");
                var dayOne = user.Sessions[0].Epochs;
                await runner.RestoreAsync(fromOthers.Weights, CalibrationMode.None, cancellationToken).ConfigureAwait(false);
                results.Add(new DriftRun("others", "independent", seed, user.Id, 1, "none", 0, 0, dayOne.Count,
                    await runner.AccuracyAsync(dayOne, cancellationToken).ConfigureAwait(false)));
                results.AddRange(await LaterDaysAsync(runner, "others", fromOthers.Weights, user, seed, cancellationToken).ConfigureAwait(false));

                var own = new CalibrationRunner(runner.Trainer, _recipe with { PretrainEpochs = _options.DayOneEpochs });
                var fromDayOne = await own.PretrainAsync(blob, dayOne, seed, cancellationToken).ConfigureAwait(false);
                Log($"seed {seed} {user.Id}: trained on its day 1 ({dayOne.Count} windows, {fromDayOne.Steps} steps, training accuracy {fromDayOne.TrainingAccuracy:P1})");
                results.AddRange(await LaterDaysAsync(runner, "day1", fromDayOne.Weights, user, seed, cancellationToken).ConfigureAwait(false));
            }
        }

        return results;
    }

    /// <summary>Days 2.. of one user from one pretrained model: the independent runs, then the cumulative ones.</summary>
    private async Task<List<DriftRun>> LaterDaysAsync(CalibrationRunner runner, string source, WeightsSnapshot pretrained, SubjectData user, int seed, CancellationToken cancellationToken)
    {
        var results = new List<DriftRun>();
        var days = user.Sessions.Select((s, i) => (Day: i + 1, Session: s)).Skip(1).ToList();
        foreach (var (day, session) in days)
        {
            foreach (var k in _options.Trials)
            {
                var (adapt, test) = Split(session, k);
                if (adapt.Count == 0 || test.Count == 0)
                {
                    continue;
                }

                await runner.RestoreAsync(pretrained, CalibrationMode.None, cancellationToken).ConfigureAwait(false);
                results.Add(new DriftRun(source, "independent", seed, user.Id, day, "none", k, 0, test.Count,
                    await runner.AccuracyAsync(test, cancellationToken).ConfigureAwait(false)));
                foreach (var mode in Adapting)
                {
                    var accuracy = await runner.CalibrateAsync(pretrained, mode, adapt, test, seed, cancellationToken).ConfigureAwait(false);
                    results.Add(new DriftRun(source, "independent", seed, user.Id, day, CalibrationExperiment.Name(mode), k, adapt.Count, test.Count, accuracy));
                }
            }
        }

        if (_options.Cumulative)
        {
            foreach (var mode in Adapting)
            {
                foreach (var k in _options.Trials)
                {
                    var weights = pretrained;
                    foreach (var (day, session) in days)
                    {
                        var (adapt, test) = Split(session, k);
                        if (adapt.Count == 0 || test.Count == 0)
                        {
                            continue;
                        }

                        var accuracy = await runner.CalibrateAsync(weights, mode, adapt, test, seed, cancellationToken).ConfigureAwait(false);
                        weights = await runner.ReadWeightsAsync(cancellationToken).ConfigureAwait(false);
                        results.Add(new DriftRun(source, "cumulative", seed, user.Id, day, CalibrationExperiment.Name(mode), k, adapt.Count, test.Count, accuracy));
                    }
                }
            }
        }

        var k2 = results.Where(r => r.Variant == "independent" && r.Trials == _options.Trials[Math.Min(1, _options.Trials.Count - 1)]).ToList();
        Log($"seed {seed} {user.Id} from {source}: " + string.Join("; ", k2.GroupBy(r => r.Day).Select(g =>
            $"day {g.Key} " + string.Join(" ", g.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Mode} {100 * r.Accuracy:F0}"))))));
        return results;
    }

    /// <summary>The day's first <paramref name="k"/> repetitions of each class (in time order) to adapt on, and the rest to test on.</summary>
    public static (List<Epoch> Adapt, List<Epoch> Test) Split(SessionData day, int k)
    {
        ArgumentNullException.ThrowIfNull(day);
        var chosen = day.TrialsByClass().Values.SelectMany(v => v.Take(k)).ToHashSet();
        return (day.Epochs.Where(e => chosen.Contains(e.Trial)).ToList(), day.Epochs.Where(e => !chosen.Contains(e.Trial)).ToList());
    }

    private void Log(string message) =>
        log?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{_clock.Elapsed.TotalSeconds,7:F1}s] {_dataset.Name} drift: {message}"));
}
