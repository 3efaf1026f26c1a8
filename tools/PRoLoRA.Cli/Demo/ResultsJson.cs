using System.Text.Json;
using PRoLoRA.Native.IO.Output;

namespace PRoLoRA.Cli.Demo;

/// <summary>results.json: every (task, method) run's numbers and loss history, for plots and tables elsewhere.</summary>
public static class ResultsJson
{
    /// <summary>Writes <paramref name="rows"/> to <paramref name="path"/> (atomically).</summary>
    public static void Save(string path, string baseModel, string backend, IReadOnlyList<TaskResult> rows, TimeSpan total)
    {
        ArgumentNullException.ThrowIfNull(rows);
        AtomicFile.Write(path, s =>
        {
            using var w = new Utf8JsonWriter(s, new JsonWriterOptions { Indented = true });
            w.WriteStartObject();
            w.WriteString("base_model", baseModel);
            w.WriteString("backend", backend);
            w.WriteNumber("total_seconds", Math.Round(total.TotalSeconds, 1));
            w.WriteStartArray("runs");
            foreach (var r in rows)
            {
                w.WriteStartObject();
                w.WriteString("task", r.Task);
                w.WriteString("method", r.Method);
                w.WriteString("settings", r.Settings);
                w.WriteNumber("trainable_parameters", r.TrainableParameters);
                Number(w, "train_loss", r.Run.Final.TrainLoss);
                Number(w, "validation_loss", r.Run.Final.ValidationLoss);
                Number(w, "base_exact_match", r.BaseExactMatch);
                Number(w, "exact_match", r.ExactMatch);
                w.WriteNumber("tokens_per_second", Math.Round(r.Run.TokensPerSecond, 1));
                w.WriteNumber("seconds", Math.Round(r.Run.Elapsed.TotalSeconds, 2));
                w.WriteStartArray("history");
                foreach (var p in r.Run.History)
                {
                    w.WriteStartObject();
                    w.WriteNumber("step", p.Step);
                    Number(w, "train_loss", p.TrainLoss);
                    Number(w, "validation_loss", p.ValidationLoss);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>A number, or null where it is NaN (no training loss at step 0).</summary>
    private static void Number(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumber(name, value);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
