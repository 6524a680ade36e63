using System.CommandLine;
using System.Globalization;
using BioTrain.Stream.Lsl;
using BioTrain.Stream.Lsl.Config;
using BioTrain.Stream.Recording;

namespace BioTrain.Stream.Cli.Commands;

/// <summary>
/// <c>biotrain replay FILE</c>: every stream of an XDF or EDF/BDF file as an LSL outlet with its metadata,
/// on the recorded timing; prints the push-timing report at the end (also after Ctrl+C).
/// </summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "XDF (.xdf, .xdfz) or EDF/EDF+/BDF file" };
        var speed = new Option<double?>("--speed") { Description = "Speed factor (default 1)" };
        var maxSpeed = new Option<bool>("--max-speed") { Description = "As fast as the consumers take it (paced on the outlets' backlog)" };
        var loop = new Option<bool>("--loop") { Description = "Start again at the end, timestamps still increasing" };
        var loops = new Option<int?>("--loops") { Description = "With --loop: passes in all (default: until Ctrl+C)" };
        var restamp = new Option<bool>("--restamp") { Description = "Map recorded time onto the local LSL clock (EDF/BDF always are)" };
        var from = new Option<double>("--from") { Description = "Start this many seconds into the recording", DefaultValueFactory = _ => 0 };
        var duration = new Option<double?>("--duration") { Description = "Replay only this many seconds of the recording" };
        var waitConsumers = new Option<double>("--wait-consumers")
        {
            Description = "Seconds to wait, before starting, for every stream to have a consumer",
            DefaultValueFactory = _ => 0,
        };
        var chunkMs = new Option<double>("--chunk-ms") { Description = "Push interval of regular streams in ms", DefaultValueFactory = _ => 10 };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var command = new Command("replay",
            "Publish every stream of a recording (signals and markers; EDF+ annotations as '<name>-annotations') over LSL with the recorded timing.")
        {
            file, speed, maxSpeed, loop, loops, restamp, from, duration, waitConsumers, chunkMs, json,
        };
        command.SetAction((parse, ct) => LslCommands.Run(async () =>
        {
            if (parse.GetValue(speed) is not null && parse.GetValue(maxSpeed))
            {
                throw new ArgumentException("--speed and --max-speed exclude each other");
            }
            var path = parse.GetValue(file)!.FullName;
            ReplayRecording recording;
            try
            {
                recording = await RecordingLoader.LoadAsync(path, cancellationToken: ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                throw new ArgumentException($"{path}: {e.Message}", e);
            }
            if (parse.GetValue(from) > 0 || parse.GetValue(duration) is not null)
            {
                recording = recording.Slice(parse.GetValue(from), parse.GetValue(duration));
            }
            var options = new ReplayOptions
            {
                Speed = parse.GetValue(speed) ?? 1.0,
                MaxSpeed = parse.GetValue(maxSpeed),
                Loop = parse.GetValue(loop),
                LoopCount = parse.GetValue(loops),
                Restamp = parse.GetValue(restamp),
                WaitForConsumers = TimeSpan.FromSeconds(parse.GetValue(waitConsumers)),
                ChunkInterval = TimeSpan.FromMilliseconds(parse.GetValue(chunkMs)),
                Config = LslConfig.Load(),
            };
            var asJson = parse.GetValue(json);
            await using var replayer = new Replayer(recording, options);
            if (!asJson)
            {
                PrintStart(recording, replayer, options);
            }
            var cancelled = false;
            ReplayReport report;
            try
            {
                report = await replayer.RunAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                cancelled = true;
                report = replayer.GetReport();
            }
            if (asJson)
            {
                CliOutput.WriteJson(Console.Out, report);
            }
            else
            {
                PrintReport(report);
            }
            return cancelled ? 130 : 0;
        }));
        return command;
    }

    private static void PrintStart(ReplayRecording recording, Replayer replayer, ReplayOptions options)
    {
        var pace = options.MaxSpeed ? "max speed" : string.Create(CultureInfo.InvariantCulture, $"speed {options.Speed:0.###}x");
        var stamps = replayer.Restamped ? $"restamped{(replayer.RestampReason is { } why ? $" ({why})" : "")}" : "original timestamps";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"replaying {recording.Source}: {recording.Duration:0.###} s, {pace}, {stamps}{(options.Loop ? ", looping" : "")}"));
        foreach (var (stream, info) in recording.Streams.Where(s => s.Info.ChannelCount > 0).Zip(replayer.PublishedStreams))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {info.Name} ({info.Type}, {info.ChannelCount} ch {info.ChannelFormat.ToLslName()} @ {info.NominalSrate:0.###} Hz, {stream.SampleCount} samples) source_id {info.SourceId}, tcp {info.V4DataPort}"));
        }
        foreach (var note in recording.Notes)
        {
            Console.WriteLine($"  note: {note}");
        }
    }

    private static void PrintReport(ReplayReport report)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(report.Completed ? "done" : "stopped")}: {report.Passes} pass(es), {report.SamplesPushed} samples in {report.ElapsedSeconds:0.###} s ({report.SamplesPerSecond:0} samples/s)"));
        Console.WriteLine($"{"stream",-28} {"nominal",8} {"file",9} {"effective",9} {"samples",9} {"chunks",7} {"dropped",7}  push error ms: median / p99 / max");
        foreach (var s in report.Streams)
        {
            var error = s.PushError is { Count: > 0 } e
                ? string.Create(CultureInfo.InvariantCulture, $"{e.MedianMs:0.000} / {e.P99Ms:0.000} / {e.MaxMs:0.000}")
                : "-";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Truncate(s.Name, 28),-28} {s.NominalRate,8:0.###} {s.FileRate,9:0.###} {s.EffectiveRate,9:0.###} {s.SamplesPushed,9} {s.ChunksPushed,7} {s.DroppedByConsumers,7}  {error}"));
        }
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "~";
}
