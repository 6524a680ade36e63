using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Recording;

namespace BioTrain.Stream.Cli.Commands;

/// <summary>
/// <c>biotrain record --out FILE.xdf --query PREDICATE</c>: a LabRecorder-compatible XDF of the matching
/// streams until the duration passes or SIGINT/SIGTERM arrives; the file is finished either way.
/// </summary>
internal static class RecordCommand
{
    public static Command Create()
    {
        var output = new Option<FileInfo>("--out", "-o") { Description = "XDF file to write (overwritten)", Required = true };
        var query = new Option<string>("--query")
        {
            Description = "XPath predicate selecting the streams, e.g. \"type='EEG' or type='Markers'\"",
            Required = true,
        };
        var duration = new Option<double?>("--duration") { Description = "Seconds to record (default: until Ctrl+C / SIGTERM)" };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var command = new Command("record",
            "Record LSL streams into XDF as LabRecorder does (headers, samples, clock offsets every 5 s, boundaries every 10 s, footers); new streams are added as they appear.")
        {
            output, query, duration, json,
        };
        command.SetAction((parse, ct) => LslCommands.Run(async () =>
        {
            var seconds = parse.GetValue(duration);
            if (seconds is <= 0)
            {
                throw new ArgumentException("--duration must be positive");
            }
            var asJson = parse.GetValue(json);
            var options = new RecorderOptions
            {
                Query = parse.GetValue(query)!,
                Duration = seconds is { } s ? TimeSpan.FromSeconds(s) : null,
                Config = LslConfig.Load(),
            };
            await using var recorder = CreateRecorder(parse.GetValue(output)!.FullName, options);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            // Our own handlers keep the signal from ending the process before the footers are written.
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            // Last resort if the host ends the process before the run finished: footers, without what the inlets still hold.
            EventHandler exit = (_, _) => recorder.Complete();
            AppDomain.CurrentDomain.ProcessExit += exit;
            try
            {
                if (!asJson)
                {
                    Console.WriteLine($"recording {options.Query} into {recorder.Path} (Ctrl+C to stop)");
                    recorder.StreamAdded += (_, added) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"stream {added.StreamId}: {added.Name} ({added.Type}, {added.Channels} ch @ {added.NominalRate:0.###} Hz) from {added.Hostname}, source_id {added.SourceId}"));
                }
                var report = await recorder.RunAsync(stop.Token).ConfigureAwait(false);
                if (asJson)
                {
                    CliOutput.WriteJson(Console.Out, report);
                }
                else
                {
                    PrintReport(report);
                }
                return 0;
            }
            finally
            {
                AppDomain.CurrentDomain.ProcessExit -= exit;
            }

            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                stop.Cancel();
            }
        }));
        return command;
    }

    private static Recorder CreateRecorder(string path, RecorderOptions options)
    {
        try
        {
            return new Recorder(path, options);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"cannot write {path}: {e.Message}", e);
        }
    }

    private static void PrintReport(RecordingReport report)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(report.Completed ? "complete" : "INCOMPLETE")}: {report.Path}, {report.Streams.Count} stream(s), {report.Samples} samples in {report.ElapsedSeconds:0.###} s ({report.SamplesPerSecond:0} samples/s), {report.BytesWritten} bytes, {report.Boundaries} boundaries"));
        Console.WriteLine($"{"id",3} {"stream",-28} {"samples",9} {"first ts",16} {"last ts",16} {"rate",9} {"offsets",7} {"losses",6} {"dropped",7}");
        foreach (var s in report.Streams)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{s.StreamId,3} {s.Name,-28} {s.Samples,9} {s.FirstTimestamp,16:0.000000} {s.LastTimestamp,16:0.000000} {s.EffectiveRate,9:0.###} {s.ClockOffsets,7} {s.ConnectionLosses,6} {s.DroppedSamples,7}{(s.Lost ? " lost" : "")}"));
        }
    }
}
