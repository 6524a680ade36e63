using System.CommandLine;
using System.Globalization;
using BioTrain.Stream.Device;
using BioTrain.Stream.Scenarios.Demo;

namespace BioTrain.Stream.Cli.Commands;

/// <summary><c>biotrain demo</c>: the main job on its embedded default (replayed recording, virtual device).</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var device = DeviceCommands.DeviceOption();
        var subject = new Option<int>("--subject") { Description = "The new subject replayed live (the others pretrain)", DefaultValueFactory = _ => 3 };
        var speed = new Option<double>("--speed") { Description = "Replay speed (1: the recording's own timing, which calibration relies on)", DefaultValueFactory = _ => 1.0 };
        var data = new Option<string?>("--data") { Description = "Directory of the recordings (default: replay-data/ of this checkout)" };
        var json = new Option<bool>("--json") { Description = "Machine-readable report" };
        var status = new Option<string>("--status-listen") { Description = "Where the live status page listens (loopback HOST:PORT; port 0: a free one; 'off': none)", DefaultValueFactory = _ => "127.0.0.1:0" };
        var quick = new Option<bool>("--quick") { Description = "Short form (under a minute): shorter pretraining, two calibration trials per class, four test trials" };
        var command = new Command("demo", "Pretrain on shipped recordings, replay a new subject over LSL into the daemon, calibrate it on the virtual device, predict, report.")
        {
            device, subject, speed, data, json, quick, status,
        };
        command.SetAction((parse, ct) => CliOutput.RunAsync(
            async () =>
            {
                var asJson = parse.GetValue(json);
                var options = new DemoOptions
                {
                    ReplayData = parse.GetValue(data) ?? FindReplayData(),
                    Subject = parse.GetValue(subject),
                    Device = parse.GetValue(device)!,
                    Speed = parse.GetValue(speed),
                    StatusListen = parse.GetValue(status) is "off" ? null : parse.GetValue(status),
                    Progress = new Progress<string>(line => (asJson ? Console.Error : Console.Out).WriteLine(line)),
                };
                if (parse.GetValue(quick))
                {
                    options = options.AsQuick();
                }

                var report = await DemoRunner.RunAsync(options, ct).ConfigureAwait(false);
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

    internal static string FindReplayData() =>
        ProductPaths.Locate().ReplayData ?? throw new DeviceStartException("replay-data/ not found; pass --data DIR");

    private static void Print(DemoReport r)
    {
        var inv = CultureInfo.InvariantCulture;
        static string Pct(double? v) => v is { } x ? x.ToString("P0", CultureInfo.InvariantCulture) : "-";
        Console.WriteLine();
        Console.WriteLine($"BioTrain.Stream demo: new subject {r.Subject}, device {r.Device}");
        Console.WriteLine(string.Create(inv, $"  pretraining      {r.PretrainWindows} windows of the other subjects in {r.PretrainSeconds:0.0} s"));
        Console.WriteLine(string.Create(inv, $"  calibration      the first {r.CalibrationTrials} trials, full fine-tuning on the device"));
        Console.WriteLine(string.Create(inv, $"  accuracy         {Pct(r.AccuracyBefore)} unadapted -> {Pct(r.AccuracyAfter)} calibrated, on the windows of the {r.TestTrials} later trials (chance {r.Chance:P0})"));
        Console.WriteLine(string.Create(inv, $"  live             {Pct(r.OnlineAccuracy)} of {r.OnlinePredictions} predictions on those trials as received over LSL ({r.Predictions} predictions in all)"));
        Console.WriteLine(string.Create(inv, $"  live = offline   {Pct(r.LiveOfflineAgreement)} of the {r.LiveComparedWindows} windows predicted live after calibration get the same class offline (same weights, the recording's windows)"));
        Console.WriteLine(string.Create(inv, $"  throughput       {r.InputSamplesPerSecond:0} input samples/s, {r.WindowsPerSecond:0.0} windows/s, training {r.TrainingSamplesPerSecond:0} samples/s on the device"));
        Console.WriteLine(string.Create(inv, $"  latency          median {r.LatencyMedianMs:0.0} ms, p99 {r.LatencyP99Ms:0.0} ms (last input sample -> prediction received over LSL)"));
        Console.WriteLine(string.Create(inv, $"  host latency     median {r.HostLatencyMedianMs:0.0} ms, p99 {r.HostLatencyP99Ms:0.0} ms (the same, less the device's predict request)"));
        Console.WriteLine(string.Create(inv, $"  daemon           {r.DaemonCpuPercent:0.0} % of one core while replaying (replayer, daemon and device link in this process), peak memory {r.PeakMemoryMegabytes:0} MB"));
        Console.WriteLine(string.Create(inv, $"  device           peak memory {r.DevicePeakBytes / 1024.0:0} KiB; {(r.DeviceInstructions > 0 ? $"{r.DeviceInstructions:N0} instructions (RV32, counted)" : "instructions not counted on this device")}; {r.EstimatedEnergyMillijoules:0.0} mJ estimated GAP9 energy"));
        Console.WriteLine(string.Create(inv, $"  total            {r.TotalSeconds:0.0} s"));
    }
}
