using ScottPlot;

namespace BioTrain.Stream.Experiments.Drift;

/// <summary>Accuracy against day at the headline K, one line per mode and pretraining source (solid: other users, dashed: the user's day 1), sd error bars.</summary>
public static class DriftPlot
{
    public static void Save(DriftReport report, string path, int width = 860, int height = 540)
    {
        ArgumentNullException.ThrowIfNull(report);
        var (_, k) = DriftResultWriter.Headline(report);
        var palette = new Dictionary<string, Color> { ["none"] = Colors.Gray, ["last"] = Colors.DarkOrange, ["full"] = Colors.RoyalBlue };
        var days = report.Runs.Select(r => r.Day).Distinct().Order().ToArray();
        var plot = new Plot();
        var lowest = 100.0;
        var offset = -0.12;
        foreach (var source in DriftResultWriter.Sources)
        {
            foreach (var mode in DriftResultWriter.Modes)
            {
                var points = days.Select(d => (Day: d, Cell: DriftSummary.Cell(report.Runs, source, "independent", mode, d == 1 ? 0 : k, [d])))
                    .Where(p => p.Cell is not null).ToList();
                if (points.Count == 0)
                {
                    continue;
                }

                // A small sideways offset keeps the error bars of the lines apart.
                var xs = points.Select(p => p.Day + offset).ToArray();
                var ys = points.Select(p => 100 * p.Cell!.Mean).ToArray();
                var errors = points.Select(p => 100 * p.Cell!.Std).ToArray();
                lowest = Math.Min(lowest, ys.Zip(errors, (y, e) => y - e).Min());
                var scatter = plot.Add.Scatter(xs, ys, palette[mode]);
                scatter.LegendText = $"{mode}, pretrained on {DriftResultWriter.SourceName(source)}";
                scatter.LineWidth = 2;
                scatter.MarkerSize = 7;
                scatter.LinePattern = source == "day1" ? LinePattern.Dashed : LinePattern.Solid;
                var bars = plot.Add.ErrorBar(xs, ys, errors);
                bars.Color = palette[mode];
                offset += 0.05;
            }
        }

        var bottom = Math.Max(0, Math.Floor((Math.Min(lowest, 100 * report.ChanceLevel) - 5) / 10) * 10);
        var chance = plot.Add.HorizontalLine(100 * report.ChanceLevel, 1, Colors.Black, LinePattern.Dotted);
        chance.LegendText = $"chance ({100 * report.ChanceLevel:F1} %)";
        plot.Title($"{report.Dataset}: accuracy by day, adapted on {k} repetitions per class (mean ± sd)");
        plot.XLabel("day");
        plot.YLabel("test accuracy (%)");
        plot.Axes.SetLimitsY(bottom, 100);
        plot.Axes.SetLimitsX(days.DefaultIfEmpty(1).Min() - 0.4, days.DefaultIfEmpty(5).Max() + 0.5);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            days.Select(d => (double)d).ToArray(), days.Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        plot.ShowLegend(Alignment.LowerLeft);
        plot.SavePng(path, width, height);
    }
}
