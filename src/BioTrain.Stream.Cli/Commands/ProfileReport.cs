using System.Globalization;
using BioTrain.Stream.Device.Diagnostics;
using BioTrain.Stream.Device.Profiling;
using BioTrain.Stream.Models;

namespace BioTrain.Stream.Cli.Commands;

/// <summary>One pass of the whole model: MACs, instructions (all harts and the busiest, region by region), per hart.</summary>
internal sealed record PassReport(long Macs, long Instructions, long CriticalInstructions, double InstructionsPerMac, IReadOnlyList<long> PerHart, double Balance)
{
    public static PassReport From(long macs, PassCounts p) =>
        new(macs, p.Instructions, p.Critical, macs == 0 ? 0 : (double)p.Instructions / macs, p.PerHart, p.Balance);
}

/// <summary>One layer: its MACs in a training sample and both passes.</summary>
internal sealed record LayerReport(int Index, string Kind, long Macs, long TrainMacs, double InstructionsPerMac, PassReport Forward, PassReport Backward);

/// <summary>A GAP9 estimate of one training sample (its share of the optimiser step included). Not a measurement.</summary>
internal sealed record EstimateReport(string Model, string Basis, double MillisecondsPerSample, double SamplesPerSecond, double MillijoulesPerSample, double? Cpi, string? CpiSource)
{
    public static EstimateReport From(Gap9Estimate e) => new(
        e.Model.ToString(),
        e.Basis,
        e.Seconds * 1e3,
        e.Seconds > 0 ? 1 / e.Seconds : 0,
        e.Joules * 1e3,
        e.Model == Gap9EstimateModel.E2 ? Gap9Estimate.E2CyclesPerInstruction : null,
        e.Model == Gap9EstimateModel.E2 ? Gap9Estimate.E2CpiSource : null);
}

/// <summary>BioTrain's measured GAP9 training throughput for the paper's models.</summary>
internal sealed record PaperReport(string Source, double SamplesPerSecond);

/// <summary>What `biotrain model profile` prints (--json: this record, snake_case).</summary>
internal sealed record ProfileReport(
    string Model,
    string Device,
    IReadOnlyList<int> Input,
    IReadOnlyDictionary<string, string> Options,
    int Harts,
    string Counter,
    double Balance,
    PassReport Forward,
    PassReport Training,
    PassReport Step,
    IReadOnlyList<LayerReport> Layers,
    IReadOnlyList<EstimateReport> Estimates,
    PaperReport? Paper)
{
    public const string CounterText = "RV32IMAFC instructions retired on the virtual GAP9 (QEMU -icount), not GAP9 cycles";

    public static ProfileReport From(ModelProfile p, ModelDefinition model, string device, IReadOnlyDictionary<string, string> options)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(model);
        var layers = p.Layers.Select(l => new LayerReport(
            l.Index, l.Kind, l.Macs, l.TrainMacs, l.TrainInstructionsPerMac, PassReport.From(l.Macs, l.Forward), PassReport.From(l.TrainMacs - l.Macs, l.Backward))).ToList();
        PaperReport? paper = p.Model switch
        {
            "mi-bminet" => new PaperReport("BioTrain (arXiv 2604.13359), measured on GAP9: MI-BMInet EEG", 17),
            "epidenet" => new PaperReport("BioTrain (arXiv 2604.13359), measured on GAP9: EpiDeNet EOG", 85),
            _ => null,
        };
        return new ProfileReport(
            p.Model,
            device,
            [model.Input.Channels, model.Input.Height, model.Input.Width],
            options,
            p.Harts,
            CounterText,
            p.TrainSample.Balance,
            PassReport.From(p.MacsForward, p.Predict),
            PassReport.From(p.MacsTrain, p.TrainSample),
            PassReport.From(p.Trainable, p.Step),
            layers,
            [EstimateReport.From(p.TrainE1), EstimateReport.From(p.TrainE2)],
            paper);
    }

    public static void Print(TextWriter o, ModelProfile p, ProfileReport r)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(r);
        var inv = CultureInfo.InvariantCulture;
        o.WriteLine(string.Create(inv, $"model      {r.Model} {r.Input[0]}x{r.Input[1]}x{r.Input[2]} on the virtual GAP9 ({r.Device}), {r.Harts} harts, batch {p.Batch}"));
        o.WriteLine($"counter    {CounterText}");
        o.WriteLine();
        o.WriteLine("                       MACs   instructions  per MAC   busiest hart  balance");
        void Row(string name, PassReport x) => o.WriteLine(string.Create(inv, $"{name,-14} {x.Macs,12:N0} {x.Instructions,14:N0} {x.InstructionsPerMac,8:0.00} {x.CriticalInstructions,14:N0} {x.Balance,8:0.00}"));
        Row("forward", r.Forward);
        Row("training", r.Training);
        Row("optimiser step", r.Step);
        o.WriteLine();
        o.WriteLine("layer kind       train MACs    fwd instr    bwd instr  per MAC  fwd busiest  bwd busiest  balance");
        foreach (var l in r.Layers)
        {
            var balance = (l.Forward.Balance * l.Forward.Instructions + l.Backward.Balance * l.Backward.Instructions) / Math.Max(1, l.Forward.Instructions + l.Backward.Instructions);
            o.WriteLine(string.Create(inv, $"{l.Index,5} {l.Kind,-8} {l.TrainMacs,12:N0} {l.Forward.Instructions,12:N0} {l.Backward.Instructions,12:N0} {(l.TrainMacs > 0 ? l.InstructionsPerMac.ToString("0.00", inv) : "-"),8} {l.Forward.CriticalInstructions,12:N0} {l.Backward.CriticalInstructions,12:N0} {balance,8:0.00}"));
        }

        o.WriteLine();
        o.WriteLine(string.Create(inv, $"per hart (training sample): {string.Join(" ", r.Training.PerHart.Select(h => h.ToString("N0", inv)))}"));
        o.WriteLine();
        o.WriteLine("GAP9 estimates per training sample (optimiser step shared over the batch); estimates, not measurements:");
        foreach (var e in r.Estimates)
        {
            o.WriteLine(string.Create(inv, $"  {e.Model}  {e.MillisecondsPerSample,8:0.00} ms  {e.SamplesPerSecond,8:0.0} samples/s  {e.MillijoulesPerSample,7:0.000} mJ   {e.Basis}"));
        }

        if (r.Estimates.FirstOrDefault(e => e.Cpi is not null) is { } e2)
        {
            o.WriteLine($"      E2's CPI: {e2.CpiSource}");
        }

        if (r.Paper is { } paper)
        {
            o.WriteLine(string.Create(inv, $"  paper          {paper.SamplesPerSecond,8:0.0} samples/s   {paper.Source}"));
        }
    }
}
