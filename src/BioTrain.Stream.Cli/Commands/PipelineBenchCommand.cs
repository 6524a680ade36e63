using System.CommandLine;
using System.Globalization;
using BioTrain.Stream.Pipeline.Diagnostics;

namespace BioTrain.Stream.Cli.Commands;

/// <summary><c>biotrain bench pipeline</c>: throughput (channel-samples/s per core) and allocations per chunk of the Rx pipeline.</summary>
internal static class PipelineBenchCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "10 s of signal and 3 runs per chain instead of 60 s and 9 (the form the tests run)" };
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var command = new Command("pipeline", "Pipeline throughput for 64 channels at 1 kHz (filtering, windows, epochs, resampling) and allocations per chunk.") { quick, json };
        command.SetAction(parse =>
        {
            var report = PipelineBenchmark.Run(parse.GetValue(quick), name => Console.Error.WriteLine($"measuring: {name}"));
            if (parse.GetValue(json))
            {
                CliOutput.WriteJson(Console.Out, report);
            }
            else
            {
                Print(report);
            }
            return 0;
        });
        return command;
    }

    private static void Print(PipelineBenchReport report)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv,
            $"{report.Channels} channels at {report.Rate} Hz in {report.ChunkSamples}-sample chunks, {report.SecondsPerRun} s of signal per run, median of {report.Runs} runs, one thread ({Environment.ProcessorCount} cores present); per core = over the thread's CPU time"));
        Console.WriteLine("| chain | channel-samples/s per core | (over wall time) | x real time | bytes allocated per chunk | outputs per run |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var c in report.Cases)
        {
            Console.WriteLine(string.Create(inv,
                $"| {c.Name} | {c.ChannelSamplesPerSecond / 1e6:0.0} M | {c.WallChannelSamplesPerSecond / 1e6:0.0} M | {c.RealTimeFactor:0} | {c.BytesPerChunk:0.#} | {c.Outputs} |"));
        }
    }
}
