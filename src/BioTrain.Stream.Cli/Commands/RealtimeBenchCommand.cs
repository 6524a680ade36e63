using System.CommandLine;
using System.Globalization;
using BioTrain.Stream.Scenarios.Realtime;

namespace BioTrain.Stream.Cli.Commands;

/// <summary><c>biotrain bench realtime</c>: the prediction stream while the device idles and while it adapts.</summary>
internal static class RealtimeBenchCommand
{
    public static Command Create()
    {
        var device = DeviceCommands.DeviceOption();
        var quick = new Option<bool>("--quick") { Description = "30 s of the recording once (the form the tests run) instead of 60 s twice" };
        var json = new Option<bool>("--json") { Description = "Machine-readable report" };
        var command = new Command("realtime", "Replay EEG into the daemon, calibrate, adapt after every trial, and measure predictions while idle and while adapting: latency, longest gap, drops, link bytes, training throughput.")
        {
            device, quick, json,
        };
        command.SetAction((parse, ct) => CliOutput.RunAsync(
            async () =>
            {
                var asJson = parse.GetValue(json);
                var report = await RealtimeBenchmark.RunAsync(
                    new RealtimeBenchOptions
                    {
                        ReplayData = DemoCommand.FindReplayData(),
                        Device = parse.GetValue(device)!,
                        Quick = parse.GetValue(quick),
                        Progress = new Progress<string>(line => (asJson ? Console.Error : Console.Out).WriteLine(line)),
                    },
                    ct).ConfigureAwait(false);
                if (asJson)
                {
                    CliOutput.WriteJson(Console.Out, report);
                }
                else
                {
                    Print(report);
                }

                return 0;
            },
            Console.Error));
        return command;
    }

    private static void Print(RealtimeBenchReport r)
    {
        var inv = CultureInfo.InvariantCulture;
        static string P(Percentiles p) => string.Create(CultureInfo.InvariantCulture, $"{p.P50:0.00} / {p.P99:0.00} / {p.Max:0.0}");
        Console.WriteLine();
        Console.WriteLine(string.Create(inv, $"Closed loop on {r.Device}: window {r.WindowMs:0} ms, stride {r.StrideMs:0} ms, {r.AdaptationRounds} adaptation rounds, {r.Seconds:0} s"));
        Console.WriteLine("| period | predictions | seconds | host latency ms p50 / p99 / max | end-to-end ms p50 / p99 / max | longest gap ms | training samples/s |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var (name, f) in new[] { ("idle", r.Idle), ("adapting", r.Adapting) })
        {
            Console.WriteLine(string.Create(inv, $"| {name} | {f.Predictions} | {f.Seconds:0.0} | {P(f.HostLatencyMs)} | {P(f.E2eLatencyMs)} | {f.MaxPredictionGapMs:0} | {f.TrainingSamplesPerS:0.#} |"));
        }

        Console.WriteLine(string.Create(inv, $"dropped: {r.PredictionsDroppedForDeadline} past their deadline, {r.PredictionsDroppedOther} otherwise"));
        Console.WriteLine(string.Create(inv, $"link: {r.LinkBytesPerPrediction:0} frame bytes per prediction (a whole float32 window is {r.WindowBytes:0} B: {r.WindowBytes / r.LinkBytesPerPrediction:0.0}x)"));
        Console.WriteLine(string.Create(inv, $"bound on the gap while adapting, stride + the longest training sample + the longest prediction: measured {r.Measured.GapMs:0} ms ({r.Measured.TrainingSampleMs:0.0} + {r.Measured.PredictMs:0.0}); GAP9 estimate (E1) {r.Gap9Estimate.GapMs:0} ms ({r.Gap9Estimate.TrainingSampleMs:0.0} + {r.Gap9Estimate.PredictMs:0.0})"));
    }
}
