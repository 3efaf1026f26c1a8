using System.Globalization;
using PRoLoRA.Cli.Training;

namespace PRoLoRA.Cli.Demo;

/// <summary>Writes one line per evaluation (readable in a terminal and in a log file alike).</summary>
public static class ProgressPrinter
{
    /// <summary>A callback for <see cref="Trainer.Train"/> that prints to <paramref name="output"/> under <paramref name="label"/>.</summary>
    public static Action<TrainProgress> To(TextWriter output, string label) => p =>
    {
        int width = p.Steps.ToString(CultureInfo.InvariantCulture).Length;
        string batch = double.IsNaN(p.BatchLoss) ? "     -" : p.BatchLoss.ToString("0.0000", CultureInfo.InvariantCulture);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[{label}] step {p.Step.ToString(CultureInfo.InvariantCulture).PadLeft(width)}/{p.Steps}  batch loss {batch}  train {p.Point.TrainLoss:0.0000}  val {p.Point.ValidationLoss:0.0000}  {p.TokensPerSecond,7:0} tok/s  elapsed {Clock(p.Elapsed)}  eta {Clock(p.Remaining)}"));
        output.Flush();
    };

    /// <summary>m:ss (or h:mm:ss).</summary>
    public static string Clock(TimeSpan t)
        => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
