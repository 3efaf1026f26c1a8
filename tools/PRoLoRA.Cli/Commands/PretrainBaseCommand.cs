using System.CommandLine;
using PRoLoRA.Cli.Demo;
using PRoLoRA.Native.Backends;
using PRoLoRA.Cli.Training;

namespace PRoLoRA.Cli.Commands;

/// <summary>`prolora pretrain-base --out FILE` (hidden): pretrains the train demo's base on the fables; how Data/char-lm-base.safetensors was made.</summary>
public static class PretrainBaseCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var output = PathArguments.Option("--out", "the safetensors file to write", required: true);
        var steps = new Option<int>("--steps") { Description = "pretraining steps", DefaultValueFactory = _ => DemoSettings.PretrainSteps };
        var seed = new Option<int>("--seed") { Description = "seed of the initialisation and the batches", DefaultValueFactory = _ => 0 };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };
        var cmd = new Command("pretrain-base", "pretrain the train demo's base model on the fables and save it") { output, steps, seed, device };
        cmd.Hidden = true;
        cmd.SetAction(p =>
        {
            int n = p.GetValue(steps);
            if (n <= 0)
            {
                throw new ArgumentException($"--steps must be > 0, got {n}");
            }
            var path = p.GetValue(output)!;
            using var backend = Devices.Open(p.GetValue(device)!);
            var o = p.InvocationConfiguration.Output;
            var vocabulary = CharVocabulary.Default;
            var (weights, notes) = BasePretraining.Run(backend, vocabulary, n, p.GetValue(seed), o);
            using (weights)
            {
                CharLmFile.Save(path, weights, vocabulary, notes);
            }
            o.WriteLine($"wrote {path}");
            return 0;
        });
        return cmd;
    }
}
