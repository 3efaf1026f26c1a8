using System.CommandLine;
using PRoLoRA.Native.IO;

namespace PRoLoRA.Cli.Commands;

/// <summary>`prolora export`: a PRoLoRA adapter folder → the standard LoRA folder PEFT and vLLM load.</summary>
public static class ExportCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var adapterDir = new Argument<string>("ADAPTER_DIR") { Description = "PRoLoRA adapter folder (adapter_config.json + adapter_model.safetensors)" };
        var peft = new Option<string>("--peft") { Description = "output folder of the PEFT LoRA adapter", Required = true };
        var dtype = new Option<string>("--dtype") { Description = "stored dtype of A and B: f32, bf16 or f16", DefaultValueFactory = _ => "f32" };
        dtype.AcceptOnlyFromAmong("f32", "bf16", "f16");
        var baseModel = new Option<string?>("--base-model") { Description = "base_model_name_or_path to write into the PEFT config" };
        var cmd = new Command("export", "export a PRoLoRA adapter as a materialised PEFT LoRA adapter (r×in A, out×r B)")
        {
            adapterDir, peft, dtype, baseModel,
        };
        cmd.SetAction(p =>
        {
            var output = p.GetValue(peft)!;
            var type = SafetensorsDTypes.ParseFloat(p.GetValue(dtype)!);
            using var loaded = LoadedAdapters.Load(p.GetValue(adapterDir)!);
            PeftLoraExport.Save(output, loaded.Adapters, type, p.GetValue(baseModel));
            p.InvocationConfiguration.Output.WriteLine($"exported {loaded.Adapters.Count} modules as PEFT LoRA ({type}) to {output}");
            return 0;
        });
        return cmd;
    }
}
