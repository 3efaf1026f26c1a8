using System.Globalization;

namespace PRoLoRA.Bench;

/// <summary>Prints measurements as an aligned table as they arrive, and the ratios at the end.</summary>
internal static class ConsoleTable
{
    public static void Header(TextWriter output, string title)
    {
        output.WriteLine();
        output.WriteLine($"== {title}");
        output.WriteLine($"{"name",-42} {"shape",-28} {"median ms",10} {"min ms",9} {"max ms",9} {"GFLOP/s",8} {"GB/s",7} {"frac",5}");
    }

    public static void Row(TextWriter output, Measurement m) =>
        output.WriteLine($"{m.Name,-42} {m.Shape,-28} {Ms(m.Stats.MedianMs),10} {Ms(m.Stats.MinMs),9} {Ms(m.Stats.MaxMs),9} " +
            $"{Opt(m.Gflops, "F1"),8} {Opt(m.Gbps, "F1"),7} {Opt(m.Fraction, "F2"),5}");

    public static void MemoryHeader(TextWriter output) =>
        output.WriteLine($"{"name",-42} {"model",-36} {"MB",10} {"GiB",8}  how");

    public static void MemoryRow(TextWriter output, MemoryMeasurement m) =>
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{m.Name,-42} {m.Shape,-36} {m.Bytes / 1e6,10:F1} {m.Bytes / (double)(1L << 30),8:F3}  {m.Method}"));

    public static void Ratios(TextWriter output, Report report)
    {
        output.WriteLine();
        output.WriteLine("== ratios (ours / other, median times; below 1 = ours faster)");
        foreach (var (name, value) in report.Ratios)
        {
            output.WriteLine($"{name,-60} {(value is double v ? v.ToString("F3", CultureInfo.InvariantCulture) : "-")}");
        }
        foreach (string note in report.Notes)
        {
            output.WriteLine($"note: {note}");
        }
    }

    private static string Ms(double ms) => ms.ToString(ms < 1 ? "F4" : ms < 100 ? "F3" : "F1", CultureInfo.InvariantCulture);

    private static string Opt(double? v, string format) => v is double d ? d.ToString(format, CultureInfo.InvariantCulture) : "-";
}
