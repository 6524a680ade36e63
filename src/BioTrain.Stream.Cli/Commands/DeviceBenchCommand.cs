using System.CommandLine;
using System.Globalization;
using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Device.Diagnostics;

namespace BioTrain.Stream.Cli.Commands;

/// <summary><c>biotrain bench device</c>: link throughput, train-step time and recovery time per device.</summary>
internal static class DeviceBenchCommand
{
    public static Command Create()
    {
        var devices = new Option<string[]>("--device", "-d")
        {
            Description = "Devices to measure (repeatable)",
            DefaultValueFactory = _ => ["emu:native", "emu:qemu"],
            AllowMultipleArgumentsPerToken = true,
        };
        var quick = new Option<bool>("--quick") { Description = "Fewer frames and steps (the form the tests run)" };
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var command = new Command("device", "Frames/s and MB/s, train-step time (MI-BMInet, EpiDeNet, batch 8) and recovery time per device.") { devices, quick, json };
        command.SetAction((parse, ct) => CliOutput.RunAsync(
            async () =>
            {
                var reports = new List<DeviceBenchmarkReport>();
                var progress = new Progress<string>(m => Console.Error.WriteLine(m));
                foreach (var d in parse.GetValue(devices)!)
                {
                    reports.Add(await DeviceBenchmark.RunAsync(DeviceAddress.Parse(d), parse.GetValue(quick), progress, ct).ConfigureAwait(false));
                }

                if (parse.GetValue(json))
                {
                    CliOutput.WriteJson(Console.Out, reports);
                }
                else
                {
                    Print(reports);
                }

                return 0;
            },
            Console.Error));
        return command;
    }

    private static void Print(IReadOnlyList<DeviceBenchmarkReport> reports)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine("| device | frames/s | MB/s | model | step (median) | instructions/step | est. GAP9 step | est. GAP9 energy | recovery |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var r in reports)
        {
            foreach (var s in r.TrainSteps)
            {
                Console.WriteLine(string.Create(
                    inv,
                    $"| {r.Device} | {r.Upload.FramesPerSecond:0} | {r.Upload.MegabytesPerSecond:0.00} | {s.Model} x{s.BatchSize} | {s.MedianStepMs:0.0} ms | {(s.InstructionsPerStep == 0 ? "not counted" : s.InstructionsPerStep.ToString("N0", inv))} | {s.EstimatedGap9StepMs:0.0} ms (estimate) | {s.EstimatedGap9EnergyMicrojoules / 1000.0:0.00} mJ (estimate) | {r.RecoveryMs:0} ms |"));
            }
        }

        Console.WriteLine("Frames carry the device's max_payload; estimates use model E1 of protocol/SPEC.md section 8 (5 cycles per MAC, calibrated on BioTrain's measured GAP9 throughput; 370 MHz; 50 mW).");
    }
}
