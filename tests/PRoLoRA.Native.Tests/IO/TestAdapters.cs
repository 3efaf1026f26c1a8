using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Backends.Cpu;

namespace PRoLoRA.Native.Tests.IO;

/// <summary>Adapters with random values in all four tensors (B non-zero, unlike a fresh init).</summary>
internal static class TestAdapters
{
    public static ProLoraAdapter Random(ProLoraConfig config, int seed)
    {
        var adapter = ProLoraAdapter.Create(config with { Seed = seed }, CpuBackend.Instance);
        var rng = new System.Random(seed + 1000);
        foreach (var p in adapter.Parameters)
        {
            var values = Enumerable.Range(0, (int)p.Value.Count).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
            CpuBackend.Instance.CopyFromHost(values, p.Value);
        }
        return adapter;
    }

    /// <summary>
    /// Three modules with different configs: a PRoLoRA q_proj, a rotation-free k_proj with a shift
    /// override and vanilla init (rsLoRA when asked; PEFT cannot mix it), a plain-LoRA down_proj.
    /// </summary>
    public static Dictionary<string, ProLoraAdapter> Mixed(bool rsLoraKProj = false) => new()
    {
        ["model.layers.0.self_attn.q_proj"] = Random(ProLoraConfig.ProLora(16, 16, 4, 1, 2, 2) with { Dropout = 0.05f }, 1),
        ["model.layers.0.self_attn.k_proj"] = Random(ProLoraConfig.ProLora(16, 8, 6, 2, 4, 2, loraAlpha: 12.5f) with { Rotation = false, UseRsLora = rsLoraKProj, ShiftAOverride = 3, Init = InitKind.Vanilla }, 2),
        ["model.layers.1.mlp.down_proj"] = Random(ProLoraConfig.Lora(24, 16, 2), 3),
    };

    public static void DisposeAll(IReadOnlyDictionary<string, ProLoraAdapter> adapters)
    {
        foreach (var a in adapters.Values)
        {
            a.Dispose();
        }
    }
}
