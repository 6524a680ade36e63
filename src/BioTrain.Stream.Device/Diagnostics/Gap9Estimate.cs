namespace BioTrain.Stream.Device.Diagnostics;

/// <summary>Which GAP9 estimate model a figure comes from (protocol/SPEC.md section 8).</summary>
public enum Gap9EstimateModel
{
    /// <summary>E1: 5 cycles per MAC, calibrated on BioTrain's measured throughput.</summary>
    E1,

    /// <summary>E2: the busiest hart's counted instructions x a stated CPI.</summary>
    E2,
}

/// <summary>A GAP9 estimate: time and energy of some work. Never a measurement.</summary>
public sealed record Gap9Estimate(Gap9EstimateModel Model, double Cycles, string Basis)
{
    /// <summary>The cluster clock both models assume (BioTrain's 370 MHz setting).</summary>
    public const double ClockHz = 370e6;

    /// <summary>BioTrain's GAP9 training power bound at 370 MHz.</summary>
    public const double PowerWatts = 0.050;

    /// <summary>E1: end-to-end 0.2 MAC per cycle.</summary>
    public const double E1CyclesPerMac = 5;

    /// <summary>E2's cycles per instruction, derived (not measured): see <see cref="E2CpiSource"/>.</summary>
    public const double E2CyclesPerInstruction = 1.2;

    /// <summary>Where E2's CPI comes from.</summary>
    public const string E2CpiSource =
        "derived from PULP-TrainLib's 4.39 MAC/cycle for FP32 matrix products on 8 GAP9-class cluster cores " +
        "(0.55 MAC/cycle per core) with an inner loop of 1.5 instructions per MAC (8 loads, 16 FMAs per 4x4 tile, " +
        "Xpulp post-increment loads and hardware loops): 1 / 0.55 / 1.5 = 1.2 cycles per instruction";

    public double Seconds => Cycles / ClockHz;

    public double Joules => Seconds * PowerWatts;

    /// <summary>E1 for a number of multiply-accumulates.</summary>
    public static Gap9Estimate FromMacs(double macs) =>
        new(Gap9EstimateModel.E1, macs * E1CyclesPerMac, "E1: 5 cycles per MAC (0.2 MAC/cycle end to end, calibrated on BioTrain's measured GAP9 throughput), 370 MHz, 50 mW");

    /// <summary>E2 for the instructions of the busiest hart, region by region (the critical path).</summary>
    public static Gap9Estimate FromCriticalInstructions(double instructions) =>
        new(Gap9EstimateModel.E2, instructions * E2CyclesPerInstruction, "E2: instructions of the busiest hart x CPI 1.2 (derived) / 370 MHz, 50 mW");
}
