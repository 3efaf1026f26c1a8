using PRoLoRA.Native.IO.Output;
using PRoLoRA.Cli.Training;
using ScottPlot;

namespace PRoLoRA.Cli.Demo;

/// <summary>The loss-curve PNG: training (solid) and validation (dashed) loss of every method against the step.</summary>
public static class LossPlot
{
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];

    /// <summary>Renders <paramref name="runs"/> to a PNG at <paramref name="path"/>.</summary>
    public static void Save(string path, string title, IReadOnlyList<(string Label, TrainResult Result)> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var plot = new Plot();
        for (int i = 0; i < runs.Count; i++)
        {
            var (label, result) = runs[i];
            var color = Color.FromHex(Palette[i % Palette.Length]);
            double[] steps = [.. result.History.Select(p => (double)p.Step)];
            Line(plot, steps, [.. result.History.Select(p => p.TrainLoss)], color, $"{label} train", LinePattern.Solid);
            Line(plot, steps, [.. result.History.Select(p => p.ValidationLoss)], color, $"{label} validation", LinePattern.Dashed);
        }
        // The frozen base starts far above where fine-tuning goes; scale to the fine-tuning and say where it started.
        double top = runs.SelectMany(r => r.Result.History.Skip(1)).Select(p => Math.Max(p.TrainLoss, p.ValidationLoss)).DefaultIfEmpty(1).Max();
        plot.Axes.SetLimitsY(0, top * 1.2);
        var start = runs[0].Result.History[0];
        plot.Add.Annotation(FormattableString.Invariant($"step 0 (the base, before fine-tuning): train {start.TrainLoss:0.00}, validation {start.ValidationLoss:0.00}"), Alignment.LowerLeft);
        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel("cross-entropy (nats per character)");
        plot.ShowLegend(Alignment.UpperRight);
        var png = plot.GetImageBytes(900, 540, ImageFormat.Png);
        AtomicFile.Write(path, s => s.Write(png));
    }

    private static void Line(Plot plot, double[] xs, double[] ys, Color color, string label, LinePattern pattern)
    {
        var line = plot.Add.Scatter(xs, ys);
        line.Color = color;
        line.LineWidth = 2;
        line.MarkerSize = 4;
        line.LinePattern = pattern;
        line.LegendText = label;
    }
}
