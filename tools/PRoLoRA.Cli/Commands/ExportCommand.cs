using System.CommandLine;
using PRoLoRA.Native.IO;

namespace PRoLoRA.Cli.Commands;

/// <summary>`prolora export`: a PRoLoRA adapter folder → the standard LoRA folder PEFT and vLLM load.</summary>
public static class ExportCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var adapterDir = PathArguments.Argument("ADAPTER_DIR", "PRoLoRA adapter folder (adapter_config.json + adapter_model.safetensors)");
        var peft = PathArguments.Option("--peft", "output folder of the PEFT LoRA adapter (replaced atomically; other files in it are kept)", required: true);
        var dtype = new Option<string>("--dtype") { Description = "stored dtype of A and B: f32, bf16 or f16", DefaultValueFactory = _ => "f32" };
        dtype.AcceptOnlyFromAmong("f32", "bf16", "f16");
        var baseModel = new Option<string?>("--base-model") { Description = "base_model_name_or_path to write into the PEFT config" };
        var allowNonFinite = new Option<bool>("--allow-nonfinite") { Description = "export NaN and ±Inf (and values beyond the dtype's range) instead of refusing them" };
        var cmd = new Command("export", "export a PRoLoRA adapter as a materialised PEFT LoRA adapter (r×in A, out×r B)")
        {
            adapterDir, peft, dtype, baseModel, allowNonFinite,
        };
        cmd.SetAction(p =>
        {
            var source = p.GetValue(adapterDir)!;
            var output = p.GetValue(peft)!;
            if (PathArguments.SameFile(source, output))
            {
                throw new ArgumentException($"--peft {output} is the adapter folder itself: exporting would replace the PRoLoRA adapter; give another folder");
            }
            var type = SafetensorsDTypes.ParseFloat(p.GetValue(dtype)!);
            bool allow = p.GetValue(allowNonFinite);
            using var loaded = LoadedAdapters.Load(source, allow);
            try
            {
                PeftLoraExport.Save(output, loaded.Adapters, type, p.GetValue(baseModel), allowNonFinite: allow);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{source}: cannot be exported as PEFT LoRA: {Cli.Message(e)}", e);
            }
            p.InvocationConfiguration.Output.WriteLine($"exported {loaded.Adapters.Count} modules as PEFT LoRA ({type}) to {output}");
            return 0;
        });
        return cmd;
    }
}
