using System.CommandLine;
using PRoLoRA.Native.IO.FileSystem;
using PRoLoRA.Native.Models.Llama;

namespace PRoLoRA.Cli.Commands;

/// <summary>`prolora quantize`: a LLaMA checkpoint folder → the same model stored as NF4 (bitsandbytes' layout) or BF16.</summary>
public static class QuantizeCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var model = new ModelArguments().Model;
        var to = new Option<string>("--to") { Description = "nf4 (the layers' linears as bitsandbytes NF4, the layout transformers saves for load_in_4bit) or bf16 (every float tensor)", Required = true };
        to.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string>();
            if (value is not ("nf4" or "bf16"))
            {
                r.AddError($"--to: '{value}' is not nf4 or bf16");
            }
        });
        var output = PathArguments.Option("--out", "checkpoint folder to write (must not exist, or be empty)", required: true);
        var doubleQuant = new Option<bool>("--double-quant") { Description = "NF4 only: store the absmax values 8-bit quantised (bnb_4bit_use_double_quant)" };
        var cmd = new Command("quantize", "write a LLaMA checkpoint with its weights stored as NF4 or BF16 (config.json and the tokenizer's files copied)")
        {
            model, to, output, doubleQuant,
        };
        cmd.SetAction(p =>
        {
            var source = p.GetValue(model)!;
            var target = p.GetValue(output)!;
            bool nested = p.GetValue(doubleQuant);
            var storage = p.GetValue(to) == "nf4" ? CheckpointStorage.Nf4 : CheckpointStorage.BFloat16;
            if (nested && storage != CheckpointStorage.Nf4)
            {
                throw new ArgumentException("--double-quant: applies only to --to nf4");
            }
            var status = FileStatus.Of(source);
            if (status.Kind != FileKind.Directory)
            {
                throw new DirectoryNotFoundException(status.Kind == FileKind.Missing ? $"--model {source}: no such checkpoint folder" : $"--model {source}: is {status.Description}, not a checkpoint folder");
            }
            var outStatus = FileStatus.Of(target);
            if (outStatus.Kind != FileKind.Missing && (outStatus.Kind != FileKind.Directory || Directory.EnumerateFileSystemEntries(target).Any()))
            {
                throw new IOException($"--out {target}: exists and is not an empty folder; give a new folder");
            }
            LlamaCheckpointQuantizer.Quantize(source, target, storage, nested);
            p.InvocationConfiguration.Output.WriteLine($"wrote {source} as {p.GetValue(to)}{(nested ? " (double-quantised absmax)" : "")} to {target}");
            return 0;
        });
        return cmd;
    }
}
