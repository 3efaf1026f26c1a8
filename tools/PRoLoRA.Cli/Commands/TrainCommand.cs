using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using PRoLoRA.Cli.Demo;
using PRoLoRA.Native.Backends;
using PRoLoRA.Cli.Training;

namespace PRoLoRA.Cli.Commands;

/// <summary>
/// `prolora train`: fine-tunes the demo's frozen character LM (pretrained on fables) on a ship's log
/// with PRoLoRA and with LoRA at the same trainable-parameter budget, same steps, seed and learning
/// rate; writes both adapters, a loss plot, and a table.
/// </summary>
public static class TrainCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var steps = new Option<int>("--steps") { Description = "fine-tuning steps of each method", DefaultValueFactory = _ => DemoSettings.FinetuneSteps };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };
        var output = PathArguments.Option("--out", "folder for prolora/, lora/ and loss.png", required: false);
        output.DefaultValueFactory = _ => "prolora-train";
        var seed = new Option<int>("--seed") { Description = "seed of the adapters' initialisation and the batches", DefaultValueFactory = _ => 0 };
        var lr = new Option<float>("--lr") { Description = "peak learning rate (both methods)", DefaultValueFactory = _ => DemoSettings.FinetuneLearningRate };
        var cmd = new Command("train", "fine-tune a small frozen character LM with PRoLoRA and with LoRA at the same parameter budget, and compare")
        {
            steps, device, output, seed, lr,
        };
        cmd.SetAction(p =>
        {
            int n = p.GetValue(steps);
            float rate = p.GetValue(lr);
            if (n <= 0)
            {
                throw new ArgumentException($"--steps must be > 0, got {n}");
            }
            if (!(rate > 0f) || !float.IsFinite(rate))
            {
                throw new ArgumentException($"--lr must be > 0 and finite, got {rate.ToString(CultureInfo.InvariantCulture)}");
            }
            using var backend = Devices.Open(p.GetValue(device)!);
            var dir = OutputFolder.Prepare(p.GetValue(output)!);
            Run(backend, dir, DemoSettings.Finetune(n, rate, p.GetValue(seed)), p.InvocationConfiguration.Output);
            return 0;
        });
        return cmd;
    }

    private static void Run(IBackend backend, string dir, TrainOptions options, TextWriter o)
    {
        var clock = Stopwatch.StartNew();
        var vocabulary = CharVocabulary.Default;
        var (weights, basePath) = LoadBase(backend, vocabulary, dir, o);
        using var owned = weights;
        var config = weights.Config;
        var (train, validation) = DemoData.Load(DemoData.FinetuneText, vocabulary, config.ContextLength);
        var methods = AdapterMethod.EqualBudgetPair;
        o.WriteLine($"fine-tuning on {DemoData.FinetuneText} ({train.Count:N0} training, {validation.Count:N0} validation windows): {options.Steps} steps of {options.BatchSize}, lr {options.LearningRate.ToString(CultureInfo.InvariantCulture)}, seed {options.Seed}, on {backend.Name}");
        o.WriteLine($"frozen base: {config.BaseParameters:N0} parameters; adapters on all {config.Linears.Count} linears ({string.Join(", ", config.Linears.Select(m => $"{m.Name} {m.InFeatures}→{m.OutFeatures}"))})");
        foreach (var m in methods)
        {
            o.WriteLine($"  {m.Name,-8} {m.Settings,-20} trainable parameters: {m.TrainableParameters(config.Linears):N0}");
        }

        var rows = new List<ResultRow>();
        var runs = new List<(string, TrainResult)>();
        foreach (var method in methods)
        {
            using var model = CharLm.WithAdapters(weights, method.Configure, options.Seed);
            var result = Trainer.Train(model, train, validation, options, ProgressPrinter.To(o, method.Name));
            var folder = Path.Combine(dir, method.Name);
            AdapterFolders.Save(folder, model, basePath);
            o.WriteLine($"[{method.Name}] saved the adapter to {folder}");
            rows.Add(new ResultRow(method.Name, method.Settings, method.Rank, model.TrainableParameterCount, result.Final.TrainLoss, result.Final.ValidationLoss, result.Elapsed));
            runs.Add((method.Name, result));
        }

        var plot = Path.Combine(dir, "loss.png");
        LossPlot.Save(plot, $"fine-tuning a frozen char LM on {DemoData.FinetuneText}: equal trainable-parameter budget", runs);
        o.WriteLine($"wrote {plot}");
        o.WriteLine();
        ResultsTable.Write(o, rows);
        o.WriteLine();
        o.WriteLine($"total time {ProgressPrinter.Clock(clock.Elapsed)}");
    }

    private static (CharLmWeights Weights, string Path) LoadBase(IBackend backend, CharVocabulary vocabulary, string dir, TextWriter o)
    {
        var shipped = DemoData.PathOf(DemoData.BaseFile);
        if (File.Exists(shipped))
        {
            o.WriteLine($"base: {shipped}");
            return (CharLmFile.Load(shipped, vocabulary, backend), shipped);
        }
        o.WriteLine($"base: {shipped} is missing; pretraining one first (see Data/README.md)");
        var (weights, notes) = BasePretraining.Run(backend, vocabulary, DemoSettings.PretrainSteps, 0, o);
        var saved = Path.Combine(dir, DemoData.BaseFile);
        CharLmFile.Save(saved, weights, vocabulary, notes);
        o.WriteLine($"base: saved to {saved}");
        return (weights, saved);
    }
}
