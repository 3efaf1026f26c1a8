using System.Globalization;
using PRoLoRA.Native.Training;

namespace PRoLoRA.Cli.FineTuning;

/// <summary>One progress line per step (or every few steps): step, loss, learning rate, tokens/s, elapsed and ETA.</summary>
public static class ProgressLine
{
    /// <summary>
    /// A <see cref="FineTuner.Run"/> callback printing to <paramref name="output"/> under
    /// <paramref name="label"/> every <paramref name="every"/> steps, at evaluations and at the last step.
    /// </summary>
    public static Action<FineTuneProgress> To(TextWriter output, string label, int every = 1) => p =>
    {
        if (p.Step % Math.Max(every, 1) != 0 && p.Step != p.Steps && p.ValidationLoss is null)
        {
            return;
        }
        int width = p.Steps.ToString(CultureInfo.InvariantCulture).Length;
        string validation = p.ValidationLoss is { } v ? string.Create(CultureInfo.InvariantCulture, $"  val {v:0.0000}") : "";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[{label}] step {p.Step.ToString(CultureInfo.InvariantCulture).PadLeft(width)}/{p.Steps}  loss {p.Loss:0.0000}{validation}  lr {p.LearningRate:0.###e+0}  {p.TokensPerSecond,6:0} tok/s  elapsed {Clock(p.Elapsed)}  eta {Clock(p.Remaining)}"));
        output.Flush();
    };

    /// <summary>m:ss (or h:mm:ss).</summary>
    public static string Clock(TimeSpan t)
        => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
