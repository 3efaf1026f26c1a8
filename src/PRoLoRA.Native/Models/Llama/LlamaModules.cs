using PRoLoRA.Native.Adapters;

namespace PRoLoRA.Native.Models.Llama;

/// <summary>
/// The seven linears of a LLaMA decoder layer that adapters target (PEFT's target_modules: q_proj,
/// k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj), with their full module paths
/// (<c>model.layers.{i}.self_attn.q_proj</c>) and sizes.
/// </summary>
public static class LlamaModules
{
    /// <summary>The seven leaf names, in layer order.</summary>
    public static IReadOnlyList<string> Leaves { get; } = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>The path of <paramref name="leaf"/> in layer <paramref name="layer"/>.</summary>
    public static string Path(int layer, string leaf) => leaf switch
    {
        "q_proj" or "k_proj" or "v_proj" or "o_proj" => $"model.layers.{layer}.self_attn.{leaf}",
        "gate_proj" or "up_proj" or "down_proj" => $"model.layers.{layer}.mlp.{leaf}",
        _ => throw new ArgumentException($"'{leaf}' is not a LLaMA linear; use one of {string.Join(", ", Leaves)}", nameof(leaf)),
    };

    /// <summary>in and out features of <paramref name="leaf"/>.</summary>
    public static (int In, int Out) Size(LlamaConfig config, string leaf)
    {
        ArgumentNullException.ThrowIfNull(config);
        int q = config.Heads * config.HeadDim, kv = config.KvHeads * config.HeadDim;
        return leaf switch
        {
            "q_proj" => (config.HiddenSize, q),
            "k_proj" or "v_proj" => (config.HiddenSize, kv),
            "o_proj" => (q, config.HiddenSize),
            "gate_proj" or "up_proj" => (config.HiddenSize, config.IntermediateSize),
            "down_proj" => (config.IntermediateSize, config.HiddenSize),
            _ => throw new ArgumentException($"'{leaf}' is not a LLaMA linear; use one of {string.Join(", ", Leaves)}", nameof(leaf)),
        };
    }

    /// <summary>
    /// Every module of <paramref name="targets"/> (leaf names; null or empty: all seven, as in the
    /// paper) in every layer, with its path and sizes, layer by layer.
    /// </summary>
    public static IReadOnlyList<ModuleShape> Targets(LlamaConfig config, IReadOnlyCollection<string>? targets = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var leaves = targets is null || targets.Count == 0 ? Leaves : targets;
        foreach (var leaf in leaves)
        {
            if (!Leaves.Contains(leaf))
            {
                throw new ArgumentException($"target module '{leaf}' is not a LLaMA linear; use any of {string.Join(", ", Leaves)}", nameof(targets));
            }
        }
        var modules = new List<ModuleShape>();
        for (int layer = 0; layer < config.Layers; layer++)
        {
            foreach (var leaf in Leaves.Where(leaves.Contains))
            {
                var (inFeatures, outFeatures) = Size(config, leaf);
                modules.Add(new ModuleShape(Path(layer, leaf), inFeatures, outFeatures));
            }
        }
        return modules;
    }
}
