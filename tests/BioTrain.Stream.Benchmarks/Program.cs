using System.Diagnostics;
using System.Globalization;
using BioTrain.Stream.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace BioTrain.Stream.Benchmarks;

/// <summary>
/// `dotnet run --project tests/BioTrain.Stream.Benchmarks -c Release -- torch [--model NAME] [--samples N]`:
/// training throughput of the firmware engine's native build (bt-model-tool bench) against libtorch
/// on the CPU, one thread each, the same model (the same weights), the same data, batch 8, SGD with
/// momentum 0.9, group norm. Prints samples/s of both and the ratio engine / libtorch.
/// </summary>
public static class Program
{
    private const int Batch = 8;

    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] != "torch")
        {
            Console.Error.WriteLine("usage: BioTrain.Stream.Benchmarks torch [--model mi-bminet|epidenet|eegnet] [--samples N]");
            return 1;
        }

        string[] models = ["mi-bminet", "eegnet", "epidenet"];
        var samples = 256;
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--model":
                    models = [args[i + 1]];
                    break;
                case "--samples":
                    samples = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}");
                    return 1;
            }
        }

        torch.set_num_threads(1);
        torch.set_num_interop_threads(1);
        Console.WriteLine($"training throughput, batch {Batch}, one thread each, {samples} samples (after a warm-up batch)");
        Console.WriteLine("model        input          engine samples/s   libtorch samples/s   engine / libtorch");
        foreach (var name in models)
        {
            var model = ModelZoo.Build(name);
            var blob = model.ToBytes();
            var engine = EngineTool.SamplesPerSecond(blob, Batch, samples);
            var libtorch = TorchSamplesPerSecond(model, samples);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-12} {model.Input,-14} {engine,16:0.0} {libtorch,20:0.0} {engine / libtorch,19:0.00}x"));
        }

        return 0;
    }

    /// <summary>Forward, cross-entropy, backward and an SGD step per batch of 8, float32, on the bench data.</summary>
    private static double TorchSamplesPerSecond(ModelDefinition model, int samples)
    {
        using var scope = NewDisposeScope();
        using var net = new TorchModel(model, ScalarType.Float32);
        var shape = new long[] { Batch, model.Input.Channels, model.Input.Height, model.Input.Width };
        var x = tensor(Samples.BenchInputs(Batch * model.Input.Size)).reshape(shape);
        var y = tensor(Enumerable.Range(0, Batch).Select(i => (long)(i % model.Classes)).ToArray());
        using var sgd = optim.SGD(net.Parameters, 0.01, 0.9);
        void Step()
        {
            using var step = NewDisposeScope();
            sgd.zero_grad();
            var loss = nn.functional.cross_entropy(net.Forward(x), y);
            loss.backward();
            sgd.step();
        }

        Step();
        var watch = Stopwatch.StartNew();
        var done = 0;
        for (; done < samples; done += Batch)
        {
            Step();
        }

        return done / watch.Elapsed.TotalSeconds;
    }
}
