using PRoLoRA.Native.IO;
using PRoLoRA.Native.Training;

namespace PRoLoRA.Cli.Demo;

/// <summary>Saves a fine-tuned <see cref="CharLm"/>'s adapters as one adapter folder.</summary>
public static class AdapterFolders
{
    /// <summary>Writes every adapted linear's adapter into <paramref name="folder"/>.</summary>
    public static void Save(string folder, CharLm model)
    {
        ArgumentNullException.ThrowIfNull(model);
        // TEMPORARY until the io branch's ProLoraAdapterFolder lands: the tensors only.
        Directory.CreateDirectory(folder);
        var writer = new SafetensorsWriter();
        foreach (var (name, layer) in model.AdaptedLinears)
        {
            writer.Add($"base_model.model.{name}.lora_A.weight", layer.Adapter.ChunkA.Value);
            writer.Add($"base_model.model.{name}.lora_A_vec", layer.Adapter.VecA.Value);
            writer.Add($"base_model.model.{name}.lora_B.weight", layer.Adapter.ChunkB.Value);
            writer.Add($"base_model.model.{name}.lora_B_vec", layer.Adapter.VecB.Value);
        }
        writer.Save(Path.Combine(folder, "adapter_model.safetensors"));
    }
}
