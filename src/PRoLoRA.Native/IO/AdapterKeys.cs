namespace PRoLoRA.Native.IO;

/// <summary>
/// Tensor and file names of adapter folders, as PEFT and the official PRoLoRA code write them.
/// A module is named by its path in the model (e.g. "model.layers.0.self_attn.q_proj"); its tensors
/// are "base_model.model.&lt;module&gt;.lora_A.weight" and so on. In a base checkpoint the module's
/// weight is "&lt;module&gt;.weight" (the Hugging Face convention).
/// </summary>
public static class AdapterKeys
{
    /// <summary>The tensors file of an adapter folder.</summary>
    public const string WeightsFile = "adapter_model.safetensors";

    /// <summary>The config file of an adapter folder.</summary>
    public const string ConfigFile = "adapter_config.json";

    /// <summary>PEFT's prefix of every adapter tensor.</summary>
    public const string Prefix = "base_model.model.";

    /// <summary>A (PEFT, r×in) or PRoLoRA's shared chunk of A ((r−u)×ceil(in/m)).</summary>
    public static string LoraA(string module) => $"{Prefix}{module}.lora_A.weight";

    /// <summary>PRoLoRA's unshared ranks of A (u×in).</summary>
    public static string LoraAVec(string module) => $"{Prefix}{module}.lora_A_vec";

    /// <summary>B (PEFT, out×r) or PRoLoRA's shared chunk of B (ceil(out/n)×(r−u)).</summary>
    public static string LoraB(string module) => $"{Prefix}{module}.lora_B.weight";

    /// <summary>PRoLoRA's unshared ranks of B (u×out).</summary>
    public static string LoraBVec(string module) => $"{Prefix}{module}.lora_B_vec";

    /// <summary>The module's weight (out×in) in a base checkpoint.</summary>
    public static string BaseWeight(string module) => $"{module}.weight";

    /// <summary>The last component of a module path ("q_proj"), as PEFT lists target_modules.</summary>
    public static string Leaf(string module) => module[(module.LastIndexOf('.') + 1)..];

    /// <summary>Throws unless <paramref name="module"/> is a usable module name (non-empty, no whitespace, no empty path component).</summary>
    public static void CheckModuleName(string module)
    {
        ArgumentException.ThrowIfNullOrEmpty(module);
        if (module.Any(char.IsWhiteSpace) || module.Split('.').Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException($"module name '{module}' must be a dotted path without whitespace or empty components", nameof(module));
        }
    }
}
