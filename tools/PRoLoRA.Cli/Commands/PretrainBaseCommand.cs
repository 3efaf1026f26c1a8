using System.CommandLine;
using System.Globalization;
using PRoLoRA.Cli.Pretraining;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Models.Llama;

namespace PRoLoRA.Cli.Commands;

/// <summary>
/// `prolora pretrain-base --out DIR` (hidden): pretrains the main job's LLaMA base from scratch on
/// generated text and saves it, with its character tokenizer, as a Hugging Face folder in BF16;
/// how Data/llama-base was made.
/// </summary>
public static class PretrainBaseCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var defaults = new PretrainOptions();
        var output = PathArguments.Option("--out", "the checkpoint folder to write", required: true);
        var steps = new Option<int>("--steps") { Description = "pretraining steps", DefaultValueFactory = _ => defaults.Steps };
        var seed = new Option<int>("--seed") { Description = "seed of the initialisation and the text", DefaultValueFactory = _ => defaults.Seed };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };
        var width = Hidden("--width", "hidden width (a multiple of 8)", BaseModelShape.Width);
        var layers = Hidden("--layers", "decoder layers", BaseModelShape.Layers);
        var batch = Hidden("--batch-size", "sequences per step", defaults.BatchSize);
        var length = Hidden("--sequence-length", "tokens per sequence", defaults.SequenceLength);
        var logEvery = Hidden("--log-every", "steps between progress lines", defaults.LogEvery);
        var evaluateEvery = Hidden("--evaluate-every", "steps between validation losses", defaults.EvaluateEvery);
        var validation = Hidden("--validation-sequences", "held-out sequences", defaults.ValidationSequences);
        var cmd = new Command("pretrain-base", "pretrain the main job's LLaMA base on generated text and save it as a Hugging Face folder")
        {
            output, steps, seed, device, width, layers, batch, length, logEvery, evaluateEvery, validation,
        };
        cmd.Hidden = true;
        cmd.SetAction(p =>
        {
            var options = new PretrainOptions
            {
                Steps = p.GetValue(steps),
                Seed = p.GetValue(seed),
                BatchSize = p.GetValue(batch),
                SequenceLength = p.GetValue(length),
                LogEvery = p.GetValue(logEvery),
                EvaluateEvery = p.GetValue(evaluateEvery),
                ValidationSequences = p.GetValue(validation),
            }.Validate();
            var config = BaseModelShape.Config(p.GetValue(width), p.GetValue(layers));
            string folder = p.GetValue(output)!;
            OutputCheck.Writable(folder);
            var o = p.InvocationConfiguration.Output;
            using var backend = Devices.Open(p.GetValue(device)!);
            var result = BasePretrainer.Run(backend, config, options, o);
            using (result.Model)
            {
                LlamaCheckpointWriter.Save(folder, result.Model, SafetensorsDType.BF16, Metadata(options, result, p.GetValue(device)!), CharTokenizer.Files());
            }
            o.WriteLine($"wrote {folder}");
            return 0;
        });
        return cmd;
    }

    private static Option<int> Hidden(string name, string description, int value)
        => new(name) { Description = description, DefaultValueFactory = _ => value, Hidden = true };

    private static Dictionary<string, string> Metadata(PretrainOptions o, PretrainResult r, string device) => new()
    {
        ["produced_by"] = string.Create(CultureInfo.InvariantCulture, $"prolora pretrain-base --steps {o.Steps} --seed {o.Seed} --device {device}"),
        ["pretraining"] = string.Create(CultureInfo.InvariantCulture,
            $"{o.Steps} steps of {o.BatchSize} x {o.SequenceLength} tokens, AdamW lr {o.LearningRate} warmup {o.WarmupSteps} cosine, clip {o.MaxGradNorm}"),
        ["train_loss"] = r.TrainLoss.ToString("0.0000", CultureInfo.InvariantCulture),
        ["validation_loss"] = r.ValidationLoss.ToString("0.0000", CultureInfo.InvariantCulture),
        ["unigram_entropy"] = r.UnigramEntropy.ToString("0.0000", CultureInfo.InvariantCulture),
    };
}
