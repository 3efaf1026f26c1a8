using System.Diagnostics;
using System.Globalization;
using PRoLoRA.Cli.FineTuning;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Text;
using PRoLoRA.Native.Training;

namespace PRoLoRA.Cli.Demo;

/// <summary>
/// The main job, the paper in small: the shipped tiny LLaMA fine-tuned on each generated task with
/// PRoLoRA (r=8, u=1, m=n=7) and with LoRA (r=2) at the same trainable-parameter budget on all seven
/// linears of every layer; validation loss and exact match on held-out prompts per task, the adapter
/// folders, results.json, loss.png and a Markdown table.
/// </summary>
public static class MainJob
{
    /// <summary>
    /// Runs the job into <paramref name="output"/>; <paramref name="steps"/> overrides the steps of each run,
    /// <paramref name="baseDType"/> says how the base's linears are kept (float32 by default; NF4 is QLoRA's setting).
    /// </summary>
    public static void Run(IBackend backend, string output, int? steps, int seed, TextWriter o, CancellationToken cancel = default, BaseDType baseDType = default)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(o);
        var clock = Stopwatch.StartNew();
        var basePath = DemoSettings.BaseFolder;
        if (!File.Exists(Path.Combine(basePath, LlamaConfig.FileName)))
        {
            throw new FileNotFoundException($"the shipped base {basePath} is missing: the build copies tools/PRoLoRA.Cli/Data/ beside the executable (see Data/README.md)");
        }
        var options = DemoSettings.Options(steps ?? DemoSettings.Steps, seed);
        var dir = OutputFolder.Prepare(output);
        var tokenizer = Tokenizers.Load(basePath);
        using var model = LlamaModel.Load(basePath, backend, baseDType);
        var modules = LlamaModules.Targets(model.Config);
        var c = model.Config;
        o.WriteLine($"base: {basePath} (LLaMA: {c.Layers} layers, hidden {c.HiddenSize}, intermediate {c.IntermediateSize}, {c.Heads} heads / {c.KvHeads} kv heads, vocabulary {c.VocabularySize}) on {backend.Name}, linears {baseDType}");
        o.WriteLine($"adapters on all seven linears of every layer ({modules.Count} modules); {options.Steps} steps of {options.BatchSize} per run, lr {options.LearningRate.ToString(CultureInfo.InvariantCulture)}, seed {seed}");
        foreach (var m in AdapterMethod.EqualBudgetPair)
        {
            o.WriteLine($"  {m.Name,-8} {m.Settings,-18} trainable parameters: {m.TrainableParameters(modules):N0}");
        }

        var rows = new List<TaskResult>();
        foreach (var task in DemoTasks.Names)
        {
            var data = TaskData.Make(task, tokenizer, options.Steps * options.BatchSize, seed);
            double baseExact = ExactMatch.Of(model, tokenizer, data.Test);
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"task {task}: {data.Train.Count:N0} training, {data.Validation.Count} validation examples, {data.Test.Count} held-out prompts; the base alone answers {baseExact:P0} exactly"));
            foreach (var method in AdapterMethod.EqualBudgetPair)
            {
                model.AddAdapters(LlamaModel.NewAdapters(modules, method.Configure, seed, backend));
                try
                {
                    var run = FineTuner.Run(model, data.Train, data.Validation, options, progress: ProgressLine.To(o, $"{method.Name}/{task}", every: 10), cancel: cancel);
                    double exact = ExactMatch.Of(model, tokenizer, data.Test);
                    var folder = Path.Combine(dir, method.Name, task);
                    ProLoraAdapterFolder.Save(folder, model.Adapters, basePath);
                    o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{method.Name}/{task}] validation loss {run.Final.ValidationLoss:0.0000}, exact match {exact:P0}; saved {folder}"));
                    rows.Add(new TaskResult(task, method.Name, method.Settings, method.TrainableParameters(modules), baseExact, exact, run));
                }
                finally
                {
                    model.RemoveAdapters();
                }
            }
        }

        ResultsJson.Save(Path.Combine(dir, "results.json"), basePath, backend.Name, rows, clock.Elapsed);
        var plot = Path.Combine(dir, "loss.png");
        LossPlot.Save(plot, "PRoLoRA (solid) vs LoRA (dashed), same budget, on the shipped tiny LLaMA", rows);
        o.WriteLine($"wrote {Path.Combine(dir, "results.json")} and {plot}");
        o.WriteLine();
        ResultsTable.Write(o, rows);
        o.WriteLine();
        o.WriteLine($"total time {ProgressLine.Clock(clock.Elapsed)}");
    }
}
