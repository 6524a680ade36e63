using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using BioTrain.Stream.Device;
using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Device.Protocol.Messages;
using BioTrain.Stream.Experiments;
using BioTrain.Stream.Experiments.Datasets;
using BioTrain.Stream.Experiments.Datasets.Mat;
using BioTrain.Stream.Experiments.Drift;
using BioTrain.Stream.Experiments.Results;

namespace BioTrain.Stream.Cli.Commands;

/// <summary>
/// <c>biotrain experiment calibration</c>: leave-one-subject-out pretraining and calibration (none, last layer,
/// full network) on real or synthetic recordings, with the firmware's engine doing all training.
/// </summary>
internal static class ExperimentCommands
{
    public static Command Create()
    {
        var experiment = new Command("experiment", "Experiments with the on-device training engine on recordings.");
        experiment.Subcommands.Add(Calibration());
        experiment.Subcommands.Add(Datasets());
        experiment.Subcommands.Add(Report());
        return experiment;
    }

    private static Command Report()
    {
        var directory = new Option<DirectoryInfo>("--dir") { Description = "Output folder of an earlier run (holds results.json)", Required = true };
        var command = new Command("report", "Rewrite results.md, the CSVs and accuracy.png of an earlier run from its results.json.") { directory };
        command.SetAction((parse, ct) => Run(async () =>
        {
            var dir = parse.GetValue(directory)!.FullName;
            // A drift report is told apart by a field only it has.
            var isDrift = (await File.ReadAllTextAsync(Path.Combine(dir, "results.json"), ct).ConfigureAwait(false)).Contains("\"dayOneEpochs\"", StringComparison.Ordinal);
            var written = isDrift
                ? await DriftResultWriter.WriteAsync(await DriftResultWriter.ReadAsync(dir, ct).ConfigureAwait(false), dir, ct).ConfigureAwait(false)
                : await ResultWriter.WriteAsync(await ResultWriter.ReadAsync(dir, ct).ConfigureAwait(false), dir, ct).ConfigureAwait(false);
            Written(written);

            return 0;
        }));
        return command;
    }

    private static Option<string> FilterOption() => new("--filter")
    {
        Description = "causal (the session pipeline's filter operator, what the daemon does live) or zero-phase (forward-backward, as the field filters offline)",
        DefaultValueFactory = _ => "causal",
    };

    private static FilterPhase Phase(string word) => word switch
    {
        "causal" => FilterPhase.Causal,
        "zero-phase" => FilterPhase.ZeroPhase,
        _ => throw new ArgumentException($"--filter {word}: expected causal or zero-phase"),
    };

    private static Command Datasets()
    {
        var name = new Option<string>("--dataset") { Description = "Data set: " + string.Join(", ", DatasetCatalog.Names), Required = true };
        var dataDir = new Option<DirectoryInfo?>("--data-dir") { Description = "Folder holding the data set's folder (default: ../shared/replay-data, or replay-data/ for synthetic-*)" };
        var filter = FilterOption();
        var command = new Command("dataset", "Load a data set as the experiment does and list its subjects, sessions, windows and classes.") { name, dataDir, filter };
        command.SetAction((parse, ct) => Run(async () =>
        {
            var datasetName = parse.GetValue(name)!;
            var dataset = await DatasetCatalog.LoadAsync(datasetName, DataDirectory(datasetName, parse.GetValue(dataDir)), Phase(parse.GetValue(filter)!), ct).ConfigureAwait(false);
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(inv, $"{dataset.Name}: {dataset.Model}, {dataset.SampleRate:G} Hz"));
            Console.WriteLine($"preprocessing: {dataset.Preprocessing}");
            foreach (var subject in dataset.Subjects)
            {
                var sessions = subject.Sessions.Select(s =>
                {
                    var trials = s.TrialsByClass();
                    var perClass = string.Join("/", Enumerable.Range(0, dataset.Classes.Count).Select(c => trials.TryGetValue(c, out var t) ? t.Count : 0));
                    return string.Create(inv, $"{s.Name}: {s.Epochs.Count} windows, trials per class {perClass}");
                });
                Console.WriteLine($"  {subject.Id} ({subject.Role}): {string.Join("; ", sessions)}");
            }

            return 0;
        }));
        return command;
    }

    private static Command Calibration()
    {
        var name = new Option<string>("--dataset") { Description = "Data set: " + string.Join(", ", DatasetCatalog.Names), Required = true };
        var dataDir = new Option<DirectoryInfo?>("--data-dir") { Description = "Folder holding the data set's folder (default: ../shared/replay-data, or replay-data/ for synthetic-*)" };
        var modes = new Option<string>("--modes") { Description = "Calibration modes: none, last, bias, full, scratch (reference: trained from random weights on the calibration data)", DefaultValueFactory = _ => "none,last,full" };
        var sizes = new Option<string?>("--calibration-trials") { Description = "Calibration sizes in trials (blocks) per class, e.g. 1,2,4 (default: the data set's)" };
        var device = new Option<string>("--device") { Description = "Where calibration runs: emu:native or emu:qemu (pretraining always runs native)", DefaultValueFactory = _ => "emu:native" };
        var seeds = new Option<string>("--seed") { Description = "Seed or seeds (model init, trial choice, batch order), e.g. 1,2,3", DefaultValueFactory = _ => "1" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder: results.md, summary.csv, runs.csv, results.json, accuracy.png", Required = true };
        var quick = new Option<bool>("--quick") { Description = "A few minutes: at most 3 held-out units, one seed, half the epochs and steps" };
        var maxHeldOut = new Option<int>("--max-held-out") { Description = "Hold out at most this many units (0: all)" };
        var noDrift = new Option<bool>("--no-drift") { Description = "Skip the session-2 drift experiment" };
        var driftTrials = new Option<int>("--drift-trials") { Description = "Session-2 trials per class to adapt on", DefaultValueFactory = _ => 1 };
        var epochs = new Option<int?>("--pretrain-epochs") { Description = "Override: pretraining epochs" };
        var steps = new Option<int?>("--steps") { Description = "Override: calibration optimiser steps" };
        var lrPretrain = new Option<float?>("--lr-pretrain") { Description = "Override: pretraining learning rate" };
        var lrFull = new Option<float?>("--lr-full") { Description = "Override: full/bias calibration learning rate" };
        var lrLast = new Option<float?>("--lr-last") { Description = "Override: last-layer calibration learning rate" };
        var norm = new Option<string?>("--norm") { Description = "Override: group, batch or frozen" };
        var calibrationNorm = new Option<string?>("--calibration-norm") { Description = "Override: normalisation in calibration only (e.g. frozen after --norm batch)" };
        var optimizer = new Option<string?>("--optimizer") { Description = "Override: sgd or adam" };
        var batch = new Option<int?>("--batch") { Description = "Override: samples per optimiser step, 1-64 (batch norm needs the batch resident on the device)" };
        var protocol = new Option<string>("--protocol")
        {
            Description = "calibration (day-1 calibration of held-out subjects) or drift (multi-day sets: none/last/full on each later day's first K repetitions per class, K from --calibration-trials, default 1,2,3)",
            DefaultValueFactory = _ => "calibration",
        };
        var dayOneEpochs = new Option<int>("--day1-epochs") { Description = "Drift: pretraining epochs on the user's own day 1", DefaultValueFactory = _ => 30 };
        var filter = FilterOption();
        var command = new Command("calibration",
            "Leave-one-subject-out: pretrain on the others (native virtual device), calibrate the held-out subject with each mode and size, test on its unused data; drift where there is a second session.")
        {
            name, dataDir, modes, sizes, device, seeds, output, quick, maxHeldOut, noDrift, driftTrials, epochs, steps, lrPretrain, lrFull, lrLast, norm, calibrationNorm, optimizer, batch,
            protocol, dayOneEpochs, filter,
        };
        command.SetAction((parse, ct) => Run(async () =>
        {
            var clock = Stopwatch.StartNew();
            var datasetName = parse.GetValue(name)!;
            var dataset = await DatasetCatalog.LoadAsync(datasetName, DataDirectory(datasetName, parse.GetValue(dataDir)), Phase(parse.GetValue(filter)!), ct).ConfigureAwait(false);
            var address = DeviceAddress.Parse(parse.GetValue(device)!);
            if (address.Kind is not (DeviceAddressKind.EmulatorNative or DeviceAddressKind.EmulatorQemu))
            {
                throw new ArgumentException($"--device {address}: experiments run on emu:native or emu:qemu");
            }

            var isQuick = parse.GetValue(quick);
            var recipe = dataset.Recipe;
            if (isQuick)
            {
                recipe = recipe with { PretrainEpochs = Math.Max(1, recipe.PretrainEpochs / 2), CalibrationSteps = Math.Max(1, recipe.CalibrationSteps / 2) };
            }

            recipe = recipe with
            {
                PretrainEpochs = parse.GetValue(epochs) ?? recipe.PretrainEpochs,
                CalibrationSteps = parse.GetValue(steps) ?? recipe.CalibrationSteps,
                PretrainLearningRate = parse.GetValue(lrPretrain) ?? recipe.PretrainLearningRate,
                CalibrationLearningRate = parse.GetValue(lrFull) ?? recipe.CalibrationLearningRate,
                LastLayerLearningRate = parse.GetValue(lrLast) ?? recipe.LastLayerLearningRate,
                NormMode = parse.GetValue(norm) is { } n ? ParseEnum<NormMode>(n, "--norm") : recipe.NormMode,
                CalibrationNormMode = parse.GetValue(calibrationNorm) is { } cn ? ParseEnum<NormMode>(cn, "--calibration-norm") : recipe.CalibrationNormMode,
                Optimizer = parse.GetValue(optimizer) is { } o ? ParseEnum<Optimizer>(o, "--optimizer") : recipe.Optimizer,
                BatchSize = parse.GetValue(batch) is { } bs ? (bs is >= 1 and <= 64 ? (ushort)bs : throw new ArgumentException("--batch: 1 to 64")) : recipe.BatchSize,
            };
            var seedList = Integers(parse.GetValue(seeds)!, "--seed");
            var options = new CalibrationOptions
            {
                Modes = parse.GetValue(modes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(m => ParseEnum<CalibrationMode>(m, "--modes")).Distinct().ToList(),
                CalibrationTrials = parse.GetValue(sizes) is { } s ? Integers(s, "--calibration-trials") : [],
                Seeds = isQuick ? seedList.Take(1).ToList() : seedList,
                Device = address,
                MaxHeldOut = parse.GetValue(maxHeldOut) is > 0 and var m ? m : isQuick ? 3 : 0,
                Drift = !parse.GetValue(noDrift),
                DriftTrials = parse.GetValue(driftTrials),
                Recipe = recipe,
            };
            var commandLine = "./biotrain " + string.Join(" ", parse.Tokens.Select(t => t.Value));
            switch (parse.GetValue(protocol))
            {
                case "drift":
                    var driftOptions = new DriftOptions
                    {
                        Trials = options.CalibrationTrials.Count > 0 ? options.CalibrationTrials : [1, 2, 3],
                        Seeds = options.Seeds,
                        MaxUsers = options.MaxHeldOut,
                        DayOneEpochs = isQuick ? Math.Max(1, parse.GetValue(dayOneEpochs) / 2) : parse.GetValue(dayOneEpochs),
                    };
                    await RunDriftAsync(dataset, driftOptions, options, commandLine, parse.GetValue(output)!.FullName, clock, ct).ConfigureAwait(false);
                    return 0;
                case "calibration":
                    break;
                case var other:
                    throw new ArgumentException($"--protocol {other}: calibration or drift");
            }

            var experiment = new CalibrationExperiment(dataset, options, Console.Error);
            var runs = await experiment.RunAsync(ct).ConfigureAwait(false);
            var heldOut = runs.Select(r => r.HeldOut).Distinct().Count();
            var report = new ExperimentReport(
                ReportBasis.Of(dataset, commandLine, options.Seeds, recipe, clock.Elapsed),
                dataset.HoldOutUnit, dataset.SessionMeaning, heldOut, address.ToString(), options.DriftTrials, ResultSummary.Summarise(runs), runs);
            Console.Write(ResultWriter.Markdown(report));
            Written(await ResultWriter.WriteAsync(report, parse.GetValue(output)!.FullName, ct).ConfigureAwait(false));

            return 0;
        }));
        return command;
    }

    private static async Task RunDriftAsync(Dataset dataset, DriftOptions options, CalibrationOptions calibration, string command, string output, Stopwatch clock, CancellationToken ct)
    {
        var experiment = new DriftExperiment(dataset, options, calibration, Console.Error);
        var runs = await experiment.RunAsync(ct).ConfigureAwait(false);
        var report = new DriftReport(ReportBasis.Of(dataset, command, options.Seeds, experiment.Recipe, clock.Elapsed), options.Trials, options.DayOneEpochs, runs);
        Console.Write(DriftResultWriter.Markdown(report));
        Written(await DriftResultWriter.WriteAsync(report, output, ct).ConfigureAwait(false));
    }

    private static void Written(IEnumerable<string> files)
    {
        foreach (var file in files)
        {
            Console.WriteLine($"wrote {file}");
        }
    }

    private static string DataDirectory(string dataset, DirectoryInfo? given)
    {
        if (given is not null)
        {
            return given.FullName;
        }

        var paths = ProductPaths.Locate();
        return DatasetCatalog.IsProjectData(dataset)
            ? paths.ReplayData ?? throw new DatasetFormatException($"{dataset}: the shipped replay-data/ was not found (give --data-dir)")
            : paths.SharedReplayData;
    }

    private static List<int> Integers(string text, string option)
    {
        var values = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v : throw new ArgumentException($"{option}: '{t}' is not a count"))
            .ToList();
        return values.Count > 0 ? values : throw new ArgumentException($"{option}: give at least one value");
    }

    private static T ParseEnum<T>(string text, string option) where T : struct, Enum =>
        Enum.TryParse<T>(text, ignoreCase: true, out var value) && Enum.IsDefined(value)
            ? value
            : throw new ArgumentException($"{option}: '{text}' is not one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}");

    private static async Task<int> Run(Func<Task<int>> body)
    {
        try
        {
            return await CliOutput.RunAsync(body, Console.Error).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DatasetFormatException or MatFormatException or ArgumentException or IOException or InvalidDataException or System.Text.Json.JsonException)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }
}
