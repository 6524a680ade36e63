using System.CommandLine;
using BioTrain.Stream.Cli.Commands;

namespace BioTrain.Stream.Cli;

/// <summary>The <c>biotrain</c> command tree. Each area adds its subcommands in one line here.</summary>
public static class CliApp
{
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("BioTrain.Stream: biosignal streams, on-device training on GAP9, predictions over LSL.");
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(DaemonCommands.Run());
        root.Subcommands.Add(DaemonCommands.Status());
        root.Subcommands.Add(DaemonCommands.Calibrate());
        root.Subcommands.Add(DeviceCommands.Create());
        root.Subcommands.Add(ModelCommands.Create());
        root.Subcommands.Add(ConvertCommand.Create());
        root.Subcommands.Add(DataCommands.Create());
        root.Subcommands.Add(ExperimentCommands.Create());
        root.Subcommands.Add(new Command("bench", "Measure performance.") { FormatsBenchCommand.Create(), LslBenchCommand.Create(), DeviceBenchCommand.Create(), PipelineBenchCommand.Create(), RealtimeBenchCommand.Create(), SoakBenchCommand.Create() });
        root.Subcommands.Add(LslCommands.CreateStreams());
        root.Subcommands.Add(LslCommands.CreateLsl());
        root.Subcommands.Add(ReplayCommand.Create());
        root.Subcommands.Add(RecordCommand.Create());
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var parse = BuildRoot().Parse(args);
        return await parse.InvokeAsync().ConfigureAwait(false);
    }
}
