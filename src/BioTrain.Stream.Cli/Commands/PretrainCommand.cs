using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using BioTrain.Stream.Daemon.Configuration;
using BioTrain.Stream.Daemon.Pretraining;

namespace BioTrain.Stream.Cli.Commands;

/// <summary><c>biotrain model pretrain</c>: a session's starting weights from a cohort of recordings, through the session's own pipeline.</summary>
internal static class PretrainCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "The daemon's configuration (its session says channels, filters, windows, labels, model)", Required = true };
        var session = new Option<string?>("--session") { Description = "The session to pretrain for (may be left out when there is one)" };
        var data = new Option<string[]>("--data") { Description = "XDF recordings of other subjects", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string?>("--out") { Description = "Weights file (default: the session's model.initialWeights)" };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training windows", DefaultValueFactory = _ => 40 };
        var rate = new Option<float>("--learning-rate") { Description = "Adam's learning rate", DefaultValueFactory = _ => 0.002f };
        var batch = new Option<int>("--batch") { Description = "Windows per optimiser step", DefaultValueFactory = _ => 16 };
        var holdOut = new Option<double>("--hold-out") { Description = "Share of each recording's trials held out for the report (0: none)", DefaultValueFactory = _ => 0.2 };
        var seed = new Option<int>("--seed") { Description = "Seed of the held-out choice and the batch order", DefaultValueFactory = _ => 5 };
        var device = DeviceCommands.DeviceOption();
        var json = new Option<bool>("--json") { Description = "Machine-readable report" };
        var command = new Command("pretrain", "Pretrain a session's model on recordings of other subjects, for its model.initialWeights.")
        {
            config, session, data, output, epochs, rate, batch, holdOut, seed, device, json,
        };
        command.SetAction((parse, ct) => CliOutput.RunAsync(
            async () =>
            {
                var path = parse.GetValue(config)!;
                var options = DaemonConfigLoader.Load(path, forPretraining: true);
                var chosen = Choose(options, parse.GetValue(session), path);
                var outPath = parse.GetValue(output) ?? chosen.Model.InitialWeights
                    ?? throw new PretrainException($"--out is needed: session {chosen.Name} has no model.initialWeights");
                var settings = new PretrainOptions
                {
                    Epochs = Positive(parse.GetValue(epochs), "--epochs"),
                    LearningRate = parse.GetValue(rate) is > 0 and < 1 and var lr ? lr : throw new PretrainException("--learning-rate must be in (0, 1)"),
                    BatchSize = parse.GetValue(batch) is >= 1 and <= 64 and var b ? b : throw new PretrainException("--batch must be 1 to 64"),
                    HoldOutFraction = parse.GetValue(holdOut) is >= 0 and < 1 and var h ? h : throw new PretrainException("--hold-out must be in [0, 1)"),
                    Seed = parse.GetValue(seed),
                    Device = parse.GetValue(device)!,
                    Progress = new ProgressBar(Console.Error),
                };
                var report = await SessionPretrainer.RunAsync(chosen, parse.GetValue(data)!, outPath, settings, ct).ConfigureAwait(false);
                if (parse.GetValue(json))
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

    private static SessionOptions Choose(DaemonOptions options, string? name, string path)
    {
        var names = string.Join(", ", options.Sessions.Select(s => s.Name));
        if (name is null)
        {
            return options.Sessions.Count == 1
                ? options.Sessions[0]
                : throw new PretrainException($"{path} has several sessions ({names}): say which with --session");
        }

        return options.Sessions.FirstOrDefault(s => s.Name == name)
            ?? throw new PretrainException($"{path} has no session '{name}' (its sessions: {names})");
    }

    private static int Positive(int value, string option) => value >= 1 ? value : throw new PretrainException($"{option} must be at least 1");

    private static void Print(PretrainReport r)
    {
        var inv = CultureInfo.InvariantCulture;
        static string Pct(double? v) => v is { } x ? x.ToString("P1", CultureInfo.InvariantCulture) : "-";
        Console.WriteLine(string.Create(inv, $"pretrained session {r.Session} on {r.Recordings} recordings: {r.TrainWindows} windows, {r.Epochs} passes, {r.Seconds:0.0} s ({r.SamplesPerSecond:0} samples/s)"));
        Console.WriteLine(r.HeldOutWindows == 0
            ? "  held-out         none (--hold-out 0)"
            : string.Create(inv, $"  held-out         {r.HeldOutWindows} windows of whole trials: {Pct(r.HeldOutAccuracyBefore)} before, {Pct(r.HeldOutAccuracyAfter)} after (chance {Pct(r.Chance)})"));
        Console.WriteLine(string.Create(inv, $"  training windows {Pct(r.TrainAccuracyLastEpoch)} right in the last pass"));
        Console.WriteLine(string.Create(inv, $"  weights          {r.Output} ({r.WeightBytes:N0} bytes): set it as the session's model.initialWeights"));
    }

    /// <summary>A bar redrawn in place on a terminal, a line per tenth of the run when the output is a file.</summary>
    private sealed class ProgressBar(TextWriter output) : IProgress<PretrainProgress>
    {
        private const int Width = 30;
        private readonly Stopwatch _redraw = Stopwatch.StartNew();
        private readonly bool _terminal = !Console.IsErrorRedirected;
        private int _lastTenth = -1;

        public void Report(PretrainProgress p)
        {
            var done = (double)p.Step / p.Steps;
            var line = string.Create(CultureInfo.InvariantCulture, $"[{new string('#', (int)(done * Width)).PadRight(Width, '.')}] {done,4:P0}  pass {p.Epoch}/{p.Epochs}  loss {p.Loss:0.000}");
            if (_terminal)
            {
                if (_redraw.ElapsedMilliseconds >= 100 || p.Step == p.Steps)
                {
                    output.Write($"\r{line}{(p.Step == p.Steps ? "\n" : string.Empty)}");
                    _redraw.Restart();
                }
            }
            else if ((int)(done * 10) is var tenth && tenth != _lastTenth)
            {
                output.WriteLine(line);
                _lastTenth = tenth;
            }
        }
    }
}
