using System.Globalization;
using PRoLoRA.Cli.FineTuning;

namespace PRoLoRA.Cli.Demo;

/// <summary>Prints the closing table, as Markdown so it can be pasted into a README.</summary>
public static class ResultsTable
{
    /// <summary>Writes <paramref name="rows"/> to <paramref name="output"/>.</summary>
    public static void Write(TextWriter output, IReadOnlyList<TaskResult> rows)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(rows);
        output.WriteLine("| task   | method  | settings          | trainable params | val loss | exact match (base → tuned) | tok/s  | time  |");
        output.WriteLine("|--------|---------|-------------------|-----------------:|---------:|---------------------------:|-------:|------:|");
        foreach (var r in rows)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Task,-6} | {r.Method,-7} | {r.Settings,-17} | {r.TrainableParameters,16:N0} | {r.Run.Final.ValidationLoss,8:0.0000} | {$"{r.BaseExactMatch:P0} → {r.ExactMatch:P0}",26} | {r.Run.TokensPerSecond,6:0} | {ProgressLine.Clock(r.Run.Elapsed),5} |"));
        }
    }
}
