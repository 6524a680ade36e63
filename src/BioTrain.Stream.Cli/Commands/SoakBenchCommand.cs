using System.CommandLine;
using System.Globalization;
using BioTrain.Stream.Scenarios.Soak;

namespace BioTrain.Stream.Cli.Commands;

/// <summary><c>biotrain bench soak --minutes N</c>: the closed loop for a long time, sampled for leaks and prediction gaps.</summary>
internal static class SoakBenchCommand
{
    /// <summary>Exit code of a soak that found a leak or a stall (1 stays for errors).</summary>
    public const int FailedExitCode = 3;

    public static Command Create()
    {
        var defaults = new SoakLimits();
        var device = DeviceCommands.DeviceOption();
        var minutes = new Option<double>("--minutes") { Description = "How long to soak", DefaultValueFactory = _ => 30 };
        var interval = new Option<double>("--interval") { Description = "Seconds between samples", DefaultValueFactory = _ => 30 };
        var warmUp = new Option<double>("--warmup") { Description = "Seconds from the first sample whose samples are left out of the growth (start-up, JIT, calibration)", DefaultValueFactory = _ => 60 };
        var rss = new Option<double>("--max-rss-mb-per-hour") { Description = "Leak limit of the daemon's resident memory", DefaultValueFactory = _ => defaults.RssMbPerHour };
        var heap = new Option<double>("--max-gc-heap-mb-per-hour") { Description = "Leak limit of its managed heap", DefaultValueFactory = _ => defaults.GcHeapMbPerHour };
        var threads = new Option<double>("--max-threads-per-hour") { Description = "Leak limit of its threads", DefaultValueFactory = _ => defaults.ThreadsPerHour };
        var fds = new Option<double>("--max-fds-per-hour") { Description = "Leak limit of its open file descriptors", DefaultValueFactory = _ => defaults.FdsPerHour };
        var minSamples = new Option<int>("--min-samples") { Description = "Samples after the warm-up needed for a verdict on growth", DefaultValueFactory = _ => defaults.MinSamples };
        var json = new Option<bool>("--json") { Description = "Machine-readable report (the table goes to stderr as it is sampled)" };
        var command = new Command(
            "soak",
            "Run the daemon (biotrain run, a process of its own) on a looping EEG replay with adaptation after every trial, sample it every interval "
            + "(RSS, threads, open FDs from /proc; GC heap and bytes allocated from /metrics; predictions received over LSL and their longest gap; "
            + "adaptation rounds), and fit the growth per hour after the warm-up. A figure leaks when its least-squares growth is over its limit both "
            + "over all the samples after the warm-up and over their later half; no prediction in an interval after the warm-up is a stall. "
            + $"Exit code {FailedExitCode} on a leak or a stall, 1 on an error, 0 otherwise (also when too short to judge).")
        {
            device, minutes, interval, warmUp, rss, heap, threads, fds, minSamples, json,
        };
        command.SetAction((parse, ct) => CliOutput.RunAsync(
            async () =>
            {
                var asJson = parse.GetValue(json);
                var table = asJson ? Console.Error : Console.Out;
                var report = await SoakBenchmark.RunAsync(
                    new SoakOptions
                    {
                        ReplayData = DemoCommand.FindReplayData(),
                        DaemonCommand = SelfCommand.Prefix(),
                        Device = parse.GetValue(device)!,
                        Duration = TimeSpan.FromMinutes(parse.GetValue(minutes)),
                        Interval = TimeSpan.FromSeconds(parse.GetValue(interval)),
                        WarmUp = TimeSpan.FromSeconds(parse.GetValue(warmUp)),
                        Limits = new SoakLimits
                        {
                            RssMbPerHour = parse.GetValue(rss),
                            GcHeapMbPerHour = parse.GetValue(heap),
                            ThreadsPerHour = parse.GetValue(threads),
                            FdsPerHour = parse.GetValue(fds),
                            MinSamples = parse.GetValue(minSamples),
                        },
                        Log = line => Console.Error.WriteLine(line),
                        Sampled = Rows(table),
                    },
                    ct).ConfigureAwait(false);
                if (asJson)
                {
                    CliOutput.WriteJson(Console.Out, report);
                }
                else
                {
                    PrintSummary(report);
                }

                return report.Failed ? FailedExitCode : 0;
            },
            Console.Error));
        return command;
    }

    /// <summary>Writes each sample as a table row as it comes, the header before the first.</summary>
    private static Action<SoakSample> Rows(TextWriter output)
    {
        var header = false;
        return s =>
        {
            if (!header)
            {
                output.WriteLine("| t s | RSS MB | threads | FDs | GC heap MB | allocated MB | predictions | longest gap ms | published | dropped | adaptation rounds | state |");
                output.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
                header = true;
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {s.Seconds:0} | {s.RssMb:0.0} | {s.Threads} | {s.OpenFds} | {s.GcHeapMb:0.0} | {s.AllocatedMb:0} | {s.Predictions} | {(s.LongestGapMs is { } g ? g.ToString("0", CultureInfo.InvariantCulture) : "-")} | {s.PredictionsPublished} | {s.WindowsDropped} | {s.AdaptationRounds} | {s.State} |"));
            output.Flush();
        };
    }

    private static void PrintSummary(SoakReport r)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine(string.Create(inv,
            $"Soak on {r.Device}, {r.Minutes:0.##} min, a sample every {r.IntervalSeconds:0.#} s; daemon: {r.Daemon}; warm-up: {r.WarmUp} ({r.SamplesAfterWarmUp} samples after it)"));
        Console.WriteLine("| figure | after the warm-up | at the end | growth per hour | later half, per hour | scatter about the line | leak above |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var g in r.Growth)
        {
            var unit = g.Unit.Length == 0 ? string.Empty : " " + g.Unit;
            Console.WriteLine(string.Create(inv,
                $"| {g.Metric} | {g.AtWarmUpEnd:0.#}{unit} | {g.AtEnd:0.#}{unit} | {g.PerHour:+0.##;-0.##;0}{unit} | {g.LaterHalfPerHour:+0.##;-0.##;0}{unit} | {g.Scatter:0.##}{unit} | {(g.LimitPerHour is { } l ? l.ToString("0.##", inv) + unit : "(allocation rate, not judged)")} |"));
        }

        Console.WriteLine(string.Create(inv,
            $"predictions received: {r.PredictionsReceived}; longest gap after the warm-up {Ms(r.LongestGapMs)}, overall {Ms(r.LongestGapMsOverall)} (stride {r.StrideMs:0} ms); adaptation rounds: {r.AdaptationRounds}"));
        Console.WriteLine($"verdict: {r.Verdict}");
        foreach (var f in r.Findings)
        {
            Console.WriteLine($"  {f}");
        }
    }

    private static string Ms(double? ms) => ms is { } v ? v.ToString("0", CultureInfo.InvariantCulture) + " ms" : "-";
}
