namespace PRoLoRA.Native.Adapters;

/// <summary>One kind of adapted linear in a transformer block, e.g. q_proj (d → d).</summary>
/// <param name="Name">Module name as in the HF checkpoints (q_proj, ..., down_proj).</param>
/// <param name="InFeatures">Input width.</param>
/// <param name="OutFeatures">Output width.</param>
public readonly record struct ModuleShape(string Name, int InFeatures, int OutFeatures);

/// <summary>A decoder-only model's adapted linears: seven per layer (q, k, v, o, gate, up, down).</summary>
/// <param name="Name">Preset name.</param>
/// <param name="Hidden">Model width d.</param>
/// <param name="Intermediate">MLP width D.</param>
/// <param name="Layers">Number of transformer blocks.</param>
public sealed record ModelPreset(string Name, int Hidden, int Intermediate, int Layers)
{
    /// <summary>LLaMA2-7B: d 4096, D 11008, 32 layers.</summary>
    public static ModelPreset Llama2_7B { get; } = new("llama2-7b", 4096, 11008, 32);

    /// <summary>LLaMA2-13B: d 5120, D 13824, 40 layers.</summary>
    public static ModelPreset Llama2_13B { get; } = new("llama2-13b", 5120, 13824, 40);

    /// <summary>All presets by name.</summary>
    public static IReadOnlyList<ModelPreset> All { get; } = [Llama2_7B, Llama2_13B];

    /// <summary>The preset called <paramref name="name"/>; throws naming the known ones otherwise.</summary>
    public static ModelPreset Get(string name)
        => All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
           ?? throw new ArgumentException($"unknown model '{name}'; known: {string.Join(", ", All.Select(p => p.Name))}", nameof(name));

    /// <summary>The seven adapted linears of one block.</summary>
    public IReadOnlyList<ModuleShape> Modules =>
    [
        new("q_proj", Hidden, Hidden),
        new("k_proj", Hidden, Hidden),
        new("v_proj", Hidden, Hidden),
        new("o_proj", Hidden, Hidden),
        new("gate_proj", Hidden, Intermediate),
        new("up_proj", Hidden, Intermediate),
        new("down_proj", Intermediate, Hidden),
    ];

    /// <summary>Trainable parameters over all layers, each module configured by <paramref name="configure"/>.</summary>
    public long TrainableParameters(Func<ModuleShape, ProLoraConfig> configure)
        => Layers * Modules.Sum(m => configure(m).TrainableParameters);
}
