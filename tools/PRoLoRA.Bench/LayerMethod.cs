using PRoLoRA.Native.Adapters;

namespace PRoLoRA.Bench;

/// <summary>
/// One way of running an adapted linear, shared by our layer group and the PyTorch peer (same keys):
/// the frozen base alone, or an adapter (its config) with or without the base product.
/// </summary>
/// <param name="Key">Stable key, also the peer script's method name: base, lora32, prolora, lora8, adapter_lora32, ...</param>
/// <param name="Name">The row label.</param>
/// <param name="Config">The adapter's config for (in, out), or null for the base alone.</param>
/// <param name="AdapterOnly">Time only the adapter's part (no base product).</param>
internal sealed record LayerMethod(string Key, string Name, Func<int, int, ProLoraConfig>? Config, bool AdapterOnly)
{
    /// <summary>PRoLoRA as the paper trains LLaMA: r = 32, u = 4, m = n = 7.</summary>
    public static ProLoraConfig ProLora(int inFeatures, int outFeatures) => ProLoraConfig.ProLora(inFeatures, outFeatures, 32, 4, 7, 7);

    /// <summary>Every method, in the order their repetitions interleave.</summary>
    public static readonly IReadOnlyList<LayerMethod> All =
    [
        new("base", "base alone fwd+bwd", null, false),
        new("lora32", "LoRA r=32 fwd+bwd", (i, o) => ProLoraConfig.Lora(i, o, 32), false),
        new("prolora", "PRoLoRA r=32 u=4 m=n=7 fwd+bwd", ProLora, false),
        new("lora8", "LoRA r=8 fwd+bwd", (i, o) => ProLoraConfig.Lora(i, o, 8), false),
        new("adapter_lora32", "adapter LoRA r=32", (i, o) => ProLoraConfig.Lora(i, o, 32), true),
        new("adapter_prolora", "adapter PRoLoRA r=32 u=4 m=n=7", ProLora, true),
        new("adapter_lora8", "adapter LoRA r=8", (i, o) => ProLoraConfig.Lora(i, o, 8), true),
    ];

    /// <summary>Useful GFLOP of one forward + backward (with dx) on <paramref name="tokens"/> rows.</summary>
    public double Gflop(int tokens, int inFeatures, int outFeatures)
    {
        double baseFlops = AdapterOnly ? 0 : 4.0 * tokens * inFeatures * outFeatures;
        double adapterFlops = Config is null ? 0 : 6.0 * tokens * Config(inFeatures, outFeatures).Rank * (inFeatures + outFeatures);
        return (baseFlops + adapterFlops) / 1e9;
    }
}
