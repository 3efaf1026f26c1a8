using System.Globalization;
using PRoLoRA.Cli.Demo;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Distributed;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Text;
using PRoLoRA.Native.Training;

namespace PRoLoRA.Cli.FineTuning;

/// <summary>
/// `prolora train --model DIR --data FILE`: one adapter (PRoLoRA or LoRA on the target modules) on a
/// Hugging Face LLaMA checkpoint, checkpoints under the output folder, the final adapter in it.
/// </summary>
public static class FineTuneJob
{
    /// <summary>What the job needs, all checked already but the files.</summary>
    /// <param name="Model">The checkpoint folder.</param>
    /// <param name="Data">Training records.</param>
    /// <param name="Validation">Validation records, or null.</param>
    /// <param name="Output">The run folder.</param>
    /// <param name="Targets">Leaf names (empty: all seven).</param>
    /// <param name="Method">The adapter method.</param>
    /// <param name="Options">The fine-tuning options.</param>
    /// <param name="Resume">A checkpoint or run folder to continue, or null.</param>
    /// <param name="Seed">Seed of the adapters' initialisation.</param>
    /// <param name="BaseDType">How the frozen linears are kept.</param>
    public sealed record Settings(string Model, string Data, string? Validation, string Output, IReadOnlyList<string> Targets, AdapterMethod Method, FineTuneOptions Options, string? Resume, int Seed, BaseDType BaseDType = default);

    /// <summary>
    /// Runs <paramref name="s"/> on <paramref name="backend"/>, printing to <paramref name="o"/>; with a
    /// <paramref name="collective"/> of several ranks, this rank's part of a data-parallel run (rank 0
    /// prints and saves, the others only train).
    /// </summary>
    public static void Run(IBackend backend, Settings s, TextWriter o, CancellationToken cancel = default, ICollective? collective = null)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(o);
        collective ??= new SingleProcessCollective();
        bool lead = collective.Rank == 0;
        if (!lead)
        {
            o = TextWriter.Null;
        }
        if (s.Resume is not null)
        {
            FineTuneCheckpoint.Find(s.Resume);
        }
        var tokenizer = Tokenizers.Load(s.Model);
        var train = TextExamples.Load(s.Data, tokenizer);
        var validation = s.Validation is null ? [] : TextExamples.Load(s.Validation, tokenizer);
        using var model = LlamaModel.Load(s.Model, backend, s.BaseDType);
        var modules = LlamaModules.Targets(model.Config, [.. s.Targets]);
        model.AddAdapters(LlamaModel.NewAdapters(modules, s.Method.Configure, s.Seed, backend));
        var output = lead ? OutputFolder.Prepare(s.Output) : s.Output;

        o.WriteLine($"model {s.Model}: {model.Config.Layers} layers, hidden {model.Config.HiddenSize}, vocabulary {model.Config.VocabularySize}, linears {s.BaseDType}, on {backend.Name}");
        o.WriteLine($"{s.Method}: {modules.Count} modules ({(s.Targets.Count == 0 ? "all seven leaves" : string.Join(", ", s.Targets))}), {s.Method.TrainableParameters(modules):N0} trainable parameters");
        string ranks = collective.WorldSize > 1 ? $"×{collective.WorldSize} ranks ({collective.Name})" : "";
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"data: {train.Count:N0} training and {validation.Count:N0} validation examples; {s.Options.Steps} steps of {s.Options.BatchSize}×{s.Options.GradientAccumulation}{ranks}, lr {s.Options.LearningRate}, {s.Options.Schedule.ToString().ToLowerInvariant()}, seed {s.Options.Seed}"));
        var progress = ProgressLine.To(o, s.Method.Name) + FaultInjection.For(collective.Rank);
        var result = FineTuner.Run(model, train, validation, s.Options, output, s.Resume, progress, cancel, collective);
        if (!lead)
        {
            return;
        }
        if (result.ResumedFrom > 0)
        {
            o.WriteLine($"resumed from step {result.ResumedFrom}");
        }
        ProLoraAdapterFolder.Save(output, model.Adapters, s.Model);
        var final = result.Final;
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"train loss {final.TrainLoss:0.0000}, validation loss {final.ValidationLoss:0.0000}, {result.TokensPerSecond:0} tok/s, {ProgressLine.Clock(result.Elapsed)}"));
        o.WriteLine($"saved the adapter to {output}");
    }
}
