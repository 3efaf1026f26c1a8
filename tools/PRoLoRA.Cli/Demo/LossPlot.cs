using PRoLoRA.Native.IO.Output;
using ScottPlot;

namespace PRoLoRA.Cli.Demo;

/// <summary>The loss-curve PNG: the validation loss of every (task, method) run against the step; a colour per task, solid PRoLoRA, dashed LoRA.</summary>
public static class LossPlot
{
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];

    /// <summary>Renders <paramref name="rows"/> to a PNG at <paramref name="path"/>.</summary>
    public static void Save(string path, string title, IReadOnlyList<TaskResult> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var plot = new Plot();
        var tasks = rows.Select(r => r.Task).Distinct().ToList();
        foreach (var r in rows)
        {
            var line = plot.Add.Scatter([.. r.Run.History.Select(p => (double)p.Step)], r.Run.History.Select(p => p.ValidationLoss).ToArray());
            line.Color = Color.FromHex(Palette[tasks.IndexOf(r.Task) % Palette.Length]);
            line.LineWidth = 2;
            line.MarkerSize = 4;
            line.LinePattern = r.Method == "lora" ? LinePattern.Dashed : LinePattern.Solid;
            line.LegendText = $"{r.Task} {r.Method}";
        }
        // The base starts far above where fine-tuning goes: scale to the fine-tuning and say where each task started.
        double top = rows.SelectMany(r => r.Run.History.Skip(2)).Select(p => p.ValidationLoss).Where(double.IsFinite).DefaultIfEmpty(1).Max();
        plot.Axes.SetLimitsY(0, top * 1.3);
        var starts = rows.GroupBy(r => r.Task).Select(g => FormattableString.Invariant($"{g.Key} {g.First().Run.History[0].ValidationLoss:0.0}"));
        plot.Add.Annotation($"step 0 (the base alone): {string.Join(", ", starts)}", Alignment.UpperLeft);
        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel("validation cross-entropy (nats per completion token)");
        plot.ShowLegend(Alignment.UpperRight);
        var png = plot.GetImageBytes(900, 540, ImageFormat.Png);
        AtomicFile.Write(path, s => s.Write(png));
    }
}
