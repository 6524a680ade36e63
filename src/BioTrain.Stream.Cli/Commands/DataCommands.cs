using System.CommandLine;
using System.Globalization;
using BioTrain.Stream.Formats.Synthetic;

namespace BioTrain.Stream.Cli.Commands;

/// <summary><c>biotrain data generate</c>: the project's seeded example recordings (replay-data/).</summary>
internal static class DataCommands
{
    public static Command Create()
    {
        var data = new Command("data", "Example recordings made by the project.");
        data.Subcommands.Add(Generate());
        return data;
    }

    private static Command Generate()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Output directory", Required = true };
        var seed = new Option<ulong>("--seed")
        {
            Description = "Generator seed (the shipped files use the default)",
            DefaultValueFactory = _ => ReplayDataGenerator.DefaultSeed,
        };
        var subjects = new Option<int>("--subjects") { Description = "Subjects per modality", DefaultValueFactory = _ => 3 };
        var trials = new Option<int?>("--trials") { Description = "Trials per class for every modality (default: the shipped size, 5 for EEG and 2 for EMG and EOG)" };
        var command = new Command("generate",
            "Write seeded synthetic recordings: motor-imagery EEG, EMG gestures and EOG saccades, one XDF per subject, plus manifest.json.")
        {
            output, seed, subjects, trials,
        };
        command.SetAction(async (parse, ct) =>
        {
            var directory = parse.GetValue(output)!;
            var options = new ReplayDataOptions { Seed = parse.GetValue(seed), Subjects = parse.GetValue(subjects) };
            if (parse.GetValue(trials) is { } perClass)
            {
                options = options with { EegTrialsPerClass = perClass, EmgTrialsPerClass = perClass, EogTrialsPerClass = perClass };
            }
            if (options.Subjects < 1 || options.EegTrialsPerClass < 1)
            {
                await Console.Error.WriteLineAsync("data generate: --subjects and --trials must be at least 1").ConfigureAwait(false);
                return 2;
            }
            directory.Create();
            var files = await ReplayDataGenerator.GenerateAsync(directory.FullName, options, ct).ConfigureAwait(false);
            foreach (var file in files)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{file.Path}: {file.Channels} ch x {file.Samples} samples at {file.SampleRate} Hz, {file.Cues} cues, {file.Bytes} bytes"));
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{files.Count} files, {files.Sum(f => f.Bytes)} bytes, seed {options.Seed}"));
            return 0;
        });
        return command;
    }
}
