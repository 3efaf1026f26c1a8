using PRoLoRA.Native.Training;
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
        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel("cross-entropy (nats per character)");
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 900, 540);
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
