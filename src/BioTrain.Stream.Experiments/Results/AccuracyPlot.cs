using ScottPlot;

namespace BioTrain.Stream.Experiments.Results;

/// <summary>Accuracy against calibration size, one line per mode with sd error bars; no adaptation (mean ± sd in the legend) and chance as horizontal lines.</summary>
public static class AccuracyPlot
{
    public static void Save(ExperimentReport report, string path, int width = 800, int height = 520)
    {
        ArgumentNullException.ThrowIfNull(report);
        var plot = new Plot();
        var day1 = report.Summary.Where(s => s.Experiment == "day1").ToList();
        var sizes = day1.Where(s => s.Mode != "none").Select(s => (double)s.CalibrationTrials).Distinct().Order().ToArray();
        var palette = new Dictionary<string, Color>
        {
            ["last"] = Colors.DarkOrange,
            ["bias"] = Colors.SeaGreen,
            ["full"] = Colors.RoyalBlue,
            ["scratch"] = Colors.Gray,
        };
        if (day1.FirstOrDefault(s => s.Mode == "none") is { } none)
        {
            var line = plot.Add.HorizontalLine(100 * none.Mean, 2, Colors.Gray, LinePattern.Dashed);
            line.LegendText = $"none ({100 * none.Mean:F1} ± {100 * none.Std:F1} %)";
        }

        // Zoom on the data (results near the ceiling would otherwise be a flat line), chance only when in view.
        var lows = day1.Select(s => s.Mean - s.Std).DefaultIfEmpty(report.ChanceLevel).Min();
        var bottom = Math.Max(0, Math.Floor((100 * lows - 5) / 10) * 10);
        if (100 * report.ChanceLevel >= bottom)
        {
            var chance = plot.Add.HorizontalLine(100 * report.ChanceLevel, 1, Colors.Black, LinePattern.Dotted);
            chance.LegendText = $"chance ({100 * report.ChanceLevel:F1} %)";
        }

        var offset = 0.0;
        foreach (var mode in day1.Select(s => s.Mode).Where(m => m != "none").Distinct())
        {
            var rows = day1.Where(s => s.Mode == mode).OrderBy(s => s.CalibrationTrials).ToList();
            // A small sideways offset keeps the error bars of different modes apart.
            var xs = rows.Select(s => s.CalibrationTrials + offset).ToArray();
            var ys = rows.Select(s => 100 * s.Mean).ToArray();
            var errors = rows.Select(s => 100 * s.Std).ToArray();
            var color = palette.GetValueOrDefault(mode, Colors.Purple);
            var scatter = plot.Add.Scatter(xs, ys, color);
            scatter.LegendText = mode;
            scatter.LineWidth = 2;
            scatter.MarkerSize = 8;
            var bars = plot.Add.ErrorBar(xs, ys, errors);
            bars.Color = color;
            offset += 0.04 * Math.Max(1, sizes.Length > 0 ? sizes[^1] - sizes[0] : 1);
        }

        plot.Title($"{report.Dataset}: day-1 calibration ({report.HeldOutUnits} held-out {report.HoldOutUnit}s x {report.Seeds.Count} seeds)");
        plot.XLabel("calibration trials per class");
        plot.YLabel("test accuracy (%)");
        plot.Axes.SetLimitsY(bottom, 100);
        if (sizes.Length > 0)
        {
            plot.Axes.SetLimitsX(sizes[0] - 0.5, sizes[^1] + 0.5 + offset);
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(sizes, sizes.Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        }

        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, width, height);
    }
}
