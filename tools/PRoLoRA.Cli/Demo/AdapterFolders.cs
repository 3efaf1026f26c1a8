using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.IO;
using PRoLoRA.Cli.Training;

namespace PRoLoRA.Cli.Demo;

/// <summary>Saves a fine-tuned <see cref="CharLm"/>'s adapters as one compact adapter folder.</summary>
public static class AdapterFolders
{
    /// <summary>Writes every adapted linear's adapter into <paramref name="folder"/> (adapter_model.safetensors + adapter_config.json).</summary>
    public static void Save(string folder, CharLm model, string baseModel)
    {
        ArgumentNullException.ThrowIfNull(model);
        var adapters = new Dictionary<string, ProLoraAdapter>(StringComparer.Ordinal);
        foreach (var (name, layer) in model.AdaptedLinears)
        {
            adapters.Add(name, layer.Adapter);
        }
        ProLoraAdapterFolder.Save(folder, adapters, baseModel);
    }
}
