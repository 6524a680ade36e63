using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using BioTrain.Stream.Device;
using BioTrain.Stream.Device.Addressing;
using BioTrain.Stream.Device.Diagnostics;
using BioTrain.Stream.Device.Emulation;
using BioTrain.Stream.Device.Profiling;
using BioTrain.Stream.Models;

namespace BioTrain.Stream.Cli.Commands;

/// <summary>
/// <c>biotrain model ...</c>: build the shipped models, and plan or benchmark their on-device training
/// with the firmware's own engine (the native <c>bt-model-tool</c>, the same C code the device runs).
/// </summary>
internal static class ModelCommands
{
    private const string Tool = "bt-model-tool";

    public static Command Create()
    {
        var model = new Command("model", "Shipped models (mi-bminet, epidenet, eegnet): build, memory plan, profile, training benchmark, pretraining for a session.");
        model.Subcommands.Add(Plan());
        model.Subcommands.Add(Profile());
        model.Subcommands.Add(Bench());
        model.Subcommands.Add(Export());
        model.Subcommands.Add(PretrainCommand.Create());
        return model;
    }

    private sealed class ModelOptions
    {
        public Option<string> Name { get; } = new("--model", "-m") { Description = "mi-bminet, epidenet or eegnet", DefaultValueFactory = _ => "mi-bminet" };

        public Option<int> Channels { get; } = new("--channels") { Description = "Electrodes (0: the model's default)" };

        public Option<int> Samples { get; } = new("--samples") { Description = "Samples per window (0: default)" };

        public Option<int> Classes { get; } = new("--classes") { Description = "Classes (0: default)" };

        public Option<int> F1 { get; } = new("--f1") { Description = "EEGNet-family temporal filters F1 (0: default)" };

        public Option<int> D { get; } = new("--d") { Description = "EEGNet-family depth multiplier D (0: default)" };

        public Option<int> F2 { get; } = new("--f2") { Description = "EEGNet-family pointwise filters F2 (0: default)" };

        public Option<uint> Seed { get; } = new("--seed") { Description = "Initialisation seed", DefaultValueFactory = _ => 1u };

        public void AddTo(Command c)
        {
            c.Options.Add(Name);
            c.Options.Add(Channels);
            c.Options.Add(Samples);
            c.Options.Add(Classes);
            c.Options.Add(F1);
            c.Options.Add(D);
            c.Options.Add(F2);
            c.Options.Add(Seed);
        }

        public ModelDefinition Build(ParseResult p) => ModelZoo.Build(p.GetValue(Name)!, new ZooOptions
        {
            Channels = p.GetValue(Channels),
            Samples = p.GetValue(Samples),
            Classes = p.GetValue(Classes),
            F1 = p.GetValue(F1),
            D = p.GetValue(D),
            F2 = p.GetValue(F2),
            Seed = p.GetValue(Seed),
        });
    }

    private sealed class TrainingOptions
    {
        public Option<int> Batch { get; } = new("--batch", "-b") { Description = "Samples per optimiser step", DefaultValueFactory = _ => 8 };

        public Option<string> Scope { get; } = new("--scope") { Description = "full, last, bias or frozen", DefaultValueFactory = _ => "full" };

        public Option<string> Norm { get; } = new("--norm") { Description = "group (group norm), batch (batch norm, training statistics) or frozen (folded batch norm)", DefaultValueFactory = _ => "group" };

        public Option<int> Groups { get; } = new("--groups") { Description = "Group-norm groups per layer (0: the model's, c/2)" };

        public Option<string> Optimizer { get; } = new("--optim") { Description = "sgd (momentum 0.9) or adam", DefaultValueFactory = _ => "sgd" };

        public void AddTo(Command c)
        {
            c.Options.Add(Batch);
            c.Options.Add(Scope);
            c.Options.Add(Norm);
            c.Options.Add(Groups);
            c.Options.Add(Optimizer);
        }

        /// <summary>The options as bt-profile.elf takes them (key=value).</summary>
        public Dictionary<string, string> Values(ParseResult p) => new(StringComparer.Ordinal)
        {
            ["batch"] = p.GetValue(Batch).ToString(CultureInfo.InvariantCulture),
            ["scope"] = p.GetValue(Scope)!,
            ["norm"] = p.GetValue(Norm)!,
            ["groups"] = p.GetValue(Groups).ToString(CultureInfo.InvariantCulture),
            ["optim"] = p.GetValue(Optimizer)!,
        };

        public IEnumerable<string> Arguments(ParseResult p) =>
        [
            "--batch", p.GetValue(Batch).ToString(CultureInfo.InvariantCulture),
            "--scope", p.GetValue(Scope)!,
            "--norm", p.GetValue(Norm)!,
            "--groups", p.GetValue(Groups).ToString(CultureInfo.InvariantCulture),
            "--optim", p.GetValue(Optimizer)!,
        ];
    }

    private static Command Plan()
    {
        var m = new ModelOptions();
        var t = new TrainingOptions();
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var command = new Command("plan", "The device's memory plan for training the model: planned peak, naive footprint, parameters, MACs per forward pass.");
        m.AddTo(command);
        t.AddTo(command);
        command.Options.Add(json);
        command.SetAction((parse, ct) => Run(async () =>
        {
            var model = m.Build(parse);
            var (code, output) = await RunToolAsync("plan", model, [.. t.Arguments(parse), "--json"], ct).ConfigureAwait(false);
            if (code is not (0 or 2))
            {
                throw new ModelFormatException($"{Tool} failed: {output.Trim()}");
            }

            // The device adds the input ring beside the training plan (SPEC.md 3.14): one float32 window.
            var plan = JsonNode.Parse(output)!.AsObject();
            var input = plan["input"]!.AsArray().Select(d => d!.GetValue<long>()).Aggregate(1L, (a, b) => a * b);
            var ring = 4 * input;
            var device = plan["peak_bytes"]!.GetValue<long>() + ring;
            plan["ring_bytes"] = ring;
            plan["device_bytes"] = device;
            plan["fits"] = plan["fits"]!.GetValue<bool>() && device <= plan["arena_bytes"]!.GetValue<long>();
            if (parse.GetValue(json))
            {
                CliOutput.WriteJson(Console.Out, plan);
            }
            else
            {
                using var doc = JsonDocument.Parse(plan.ToJsonString());
                PrintPlan(doc.RootElement);
            }

            return code;
        }));
        return command;
    }

    private static void PrintPlan(JsonElement r)
    {
        var inv = CultureInfo.InvariantCulture;
        long L(string k) => r.GetProperty(k).GetInt64();
        string Mb(string k) => string.Create(inv, $"{L(k),10:N0} B  {L(k) / 1e6,7:0.000} MB");
        var input = r.GetProperty("input");
        Console.WriteLine(string.Create(inv, $"model            {r.GetProperty("model").GetString()} {input[0]}x{input[1]}x{input[2]}, {L("classes")} classes, {L("layers")} layers"));
        Console.WriteLine(string.Create(inv, $"training         batch {L("batch")}, scope {r.GetProperty("scope").GetString()}, norm {r.GetProperty("norm").GetString()}, {r.GetProperty("optimizer").GetString()}"));
        Console.WriteLine(string.Create(inv, $"parameters       {L("params"):N0} ({L("trainable"):N0} trainable)"));
        Console.WriteLine(string.Create(inv, $"MACs per forward {L("macs"):N0}"));
        Console.WriteLine($"planned peak     {Mb("peak_bytes")}");
        Console.WriteLine(string.Create(inv, $"naive footprint  {Mb("naive_bytes")}  ({(double)L("naive_bytes") / L("peak_bytes"):0.0}x the plan)"));
        Console.WriteLine($"  weights        {Mb("weight_bytes")}");
        Console.WriteLine($"  gradients      {Mb("grad_bytes")}");
        Console.WriteLine($"  optimiser      {Mb("optim_bytes")}");
        Console.WriteLine($"  activations    {Mb("activation_bytes")}");
        Console.WriteLine($"inference ring   {Mb("ring_bytes")}  (the latest window; a prediction between training samples runs in the activations above, idle then)");
        Console.WriteLine($"on the device    {Mb("device_bytes")}  (plan + ring)");
        Console.WriteLine($"device arena     {Mb("arena_bytes")}: {(r.GetProperty("fits").GetBoolean() ? "fits" : "DOES NOT FIT")}");
        Console.WriteLine($"                 {r.GetProperty("message").GetString()}");
    }

    private static Command Profile()
    {
        var m = new ModelOptions();
        var t = new TrainingOptions();
        var device = new Option<string>("--device") { Description = "Where to count: emu:qemu (the virtual GAP9; emu:qemu?harts=N also chooses the harts)", DefaultValueFactory = _ => "emu:qemu" };
        var harts = new Option<int>("--harts") { Description = "Harts of the virtual GAP9, 1 to 8 (default: the address's, else 8 = GAP9's cluster)" };
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var command = new Command("profile", "Instructions of one training sample on the virtual GAP9, per layer and hart: MACs, instructions per MAC (forward, training), load balance, GAP9 estimates E1 and E2.");
        m.AddTo(command);
        t.AddTo(command);
        command.Options.Add(device);
        command.Options.Add(harts);
        command.Options.Add(json);
        command.SetAction((parse, ct) => Run(async () =>
        {
            var address = DeviceAddress.Parse(parse.GetValue(device)!);
            if (address.Kind != DeviceAddressKind.EmulatorQemu)
            {
                throw new DeviceStartException($"--device {address}: instructions are counted on the virtual GAP9 only (emu:qemu); the native device counts none");
            }

            var n = parse.GetValue(harts) is > 0 and var h ? h : address.QemuHarts ?? VirtualDeviceOptions.MaxHarts;
            var model = m.Build(parse);
            var profiler = new QemuProfiler(new VirtualDeviceOptions { Harts = n });
            var profile = await profiler.RunAsync(model.ToBytes(), t.Values(parse), ct).ConfigureAwait(false);
            var report = ProfileReport.From(profile, model, address.ToString(), t.Values(parse));
            if (parse.GetValue(json))
            {
                CliOutput.WriteJson(Console.Out, report);
            }
            else
            {
                ProfileReport.Print(Console.Out, profile, report);
            }

            return 0;
        }));
        return command;
    }

    private static Command Bench()
    {
        var m = new ModelOptions();
        var t = new TrainingOptions();
        var count = new Option<int>("--count", "-n") { Description = "Training samples to run", DefaultValueFactory = _ => 256 };
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var command = new Command("bench", "Training samples per second of the native build of the firmware engine (not GAP9 time).");
        m.AddTo(command);
        t.AddTo(command);
        command.Options.Add(count);
        command.Options.Add(json);
        command.SetAction((parse, ct) => Run(async () =>
        {
            var model = m.Build(parse);
            string[] extra = [.. t.Arguments(parse), "--samples", parse.GetValue(count).ToString(CultureInfo.InvariantCulture), "--json"];
            var (code, output) = await RunToolAsync("bench", model, extra, ct).ConfigureAwait(false);
            if (code != 0)
            {
                throw new ModelFormatException($"{Tool} failed: {output.Trim()}");
            }

            using var doc = JsonDocument.Parse(output);
            if (parse.GetValue(json))
            {
                CliOutput.WriteJson(Console.Out, doc.RootElement);
            }
            else
            {
                var r = doc.RootElement;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.GetProperty("model").GetString()}: {r.GetProperty("samples").GetInt64()} training samples in {r.GetProperty("seconds").GetDouble():0.000} s = {r.GetProperty("samples_per_s").GetDouble():0.0} samples/s (native host build)"));
            }

            return 0;
        }));
        return command;
    }

    private static Command Export()
    {
        var m = new ModelOptions();
        var output = new Option<string>("--out", "-o") { Description = "Blob file to write (protocol/MODEL.md)", Required = true };
        var command = new Command("export", "Write a shipped model's blob (the bytes the device loads).");
        m.AddTo(command);
        command.Options.Add(output);
        command.SetAction((parse, ct) => Run(async () =>
        {
            var model = m.Build(parse);
            await File.WriteAllBytesAsync(parse.GetValue(output)!, model.ToBytes(), ct).ConfigureAwait(false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{model.Name} {model.Input}: {model.ParameterCount:N0} parameters, {model.MacsPerForward:N0} MACs per forward -> {parse.GetValue(output)}"));
            return 0;
        }));
        return command;
    }

    /// <summary>Model-building errors are typed too: one line on stderr, exit code 1.</summary>
    private static async Task<int> Run(Func<Task<int>> body)
    {
        try
        {
            return await CliOutput.RunAsync(body, Console.Error).ConfigureAwait(false);
        }
        catch (ModelFormatException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    private static async Task<(int Code, string Output)> RunToolAsync(string verb, ModelDefinition model, IEnumerable<string> args, CancellationToken ct)
    {
        var tool = FirmwareLocator.Default().Find(Tool);
        var file = Path.Combine(Path.GetTempPath(), $"biotrain-{Environment.ProcessId}-{Guid.NewGuid():N}.btm");
        await File.WriteAllBytesAsync(file, model.ToBytes(), ct).ConfigureAwait(false);
        try
        {
            var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(verb);
            psi.ArgumentList.Add(file);
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            using var process = Process.Start(psi) ?? throw new DeviceStartException($"cannot start {tool}");
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            var stderr = process.StandardError.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
            var text = await stdout.ConfigureAwait(false);
            var err = await stderr.ConfigureAwait(false);
            return (process.ExitCode, text.Length > 0 ? text : err);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
