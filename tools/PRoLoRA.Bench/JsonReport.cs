using System.Text.Json;
using PRoLoRA.Native.IO.Output;

namespace PRoLoRA.Bench;

/// <summary>
/// Writes a <see cref="Report"/> as JSON: <c>machine</c> {cpu, cores, gpu, runtime}, <c>device</c>,
/// <c>scale</c>, <c>results</c> [{group, name, shape, median_ms, min_ms, max_ms, runs, and gflops,
/// gbps, fraction, tokens_per_second where they apply}], <c>memory</c> [{group, name, shape, bytes, method}],
/// <c>ratios</c> {name: value or null} and <c>notes</c>.
/// </summary>
internal static class JsonReport
{
    /// <summary>Writes <paramref name="report"/> to <paramref name="path"/> atomically (a temporary file renamed over it), so a run killed while writing leaves the previous report.</summary>
    public static void Write(Report report, string path)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }
        AtomicFile.Write(path, stream => Write(report, stream));
    }

    private static void Write(Report report, Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartObject("machine");
        json.WriteString("cpu", report.Machine.Cpu);
        json.WriteNumber("cores", report.Machine.Cores);
        if (report.Machine.Gpu is null)
        {
            json.WriteNull("gpu");
        }
        else
        {
            json.WriteString("gpu", report.Machine.Gpu);
        }
        json.WriteString("runtime", report.Machine.Runtime);
        json.WriteString("isa", report.Machine.Isa);
        json.WriteString("blas", report.Machine.Blas);
        json.WriteEndObject();
        json.WriteString("device", report.Device);
        json.WriteString("scale", report.Scale.ToString().ToLowerInvariant());
        json.WriteStartArray("results");
        foreach (var m in report.Results)
        {
            json.WriteStartObject();
            json.WriteString("group", m.Group);
            json.WriteString("name", m.Name);
            json.WriteString("shape", m.Shape);
            json.WriteNumber("median_ms", Round(m.Stats.MedianMs));
            json.WriteNumber("min_ms", Round(m.Stats.MinMs));
            json.WriteNumber("max_ms", Round(m.Stats.MaxMs));
            json.WriteNumber("runs", m.Stats.Runs);
            Optional(json, "gflops", m.Gflops);
            Optional(json, "gbps", m.Gbps);
            Optional(json, "fraction", m.Fraction);
            Optional(json, "tokens_per_second", m.TokensPerSecond);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("memory");
        foreach (var m in report.Memory)
        {
            json.WriteStartObject();
            json.WriteString("group", m.Group);
            json.WriteString("name", m.Name);
            json.WriteString("shape", m.Shape);
            json.WriteNumber("bytes", m.Bytes);
            json.WriteString("method", m.Method);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartObject("ratios");
        foreach (var (name, value) in report.Ratios)
        {
            if (value is double v)
            {
                json.WriteNumber(name, Round(v));
            }
            else
            {
                json.WriteNull(name);
            }
        }
        json.WriteEndObject();
        json.WriteStartArray("notes");
        foreach (string note in report.Notes)
        {
            json.WriteStringValue(note);
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void Optional(Utf8JsonWriter json, string name, double? value)
    {
        if (value is double v)
        {
            json.WriteNumber(name, Round(v));
        }
    }

    /// <summary>Four significant digits are plenty for timings.</summary>
    private static double Round(double v) => v == 0 || !double.IsFinite(v) ? 0 : Math.Round(v, Math.Max(0, 3 - (int)Math.Floor(Math.Log10(Math.Abs(v)))));
}
