using System.Globalization;

namespace PRoLoRA.Cli.Demo;

/// <summary>Prints the closing table, as Markdown so it can be pasted into a README.</summary>
public static class ResultsTable
{
    /// <summary>Writes <paramref name="rows"/> to <paramref name="output"/>.</summary>
    public static void Write(TextWriter output, IReadOnlyList<ResultRow> rows)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(rows);
        output.WriteLine("| method  | settings            | rank | trainable params | train loss | val loss | time   |");
        output.WriteLine("|---------|---------------------|-----:|-----------------:|-----------:|---------:|-------:|");
        foreach (var r in rows)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Method,-7} | {r.Settings,-19} | {r.Rank,4} | {r.TrainableParameters,16:N0} | {r.TrainLoss,10:0.0000} | {r.ValidationLoss,8:0.0000} | {ProgressPrinter.Clock(r.Time),6} |"));
        }
    }
}
