using System.Text.Json;
using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Tensors;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.IO;

/// <summary>The official implementation's golden cases, read raw (as the Python side wrote them) for the IO tests.</summary>
internal static class GoldenFile
{
    public static IReadOnlyList<GoldenCase> Cases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(GoldenPath.Official));
        return [.. doc.RootElement.GetProperty("cases").EnumerateArray().Select(GoldenCase.Parse)];
    }
}

/// <summary>One golden case: its config, the four trainable inputs and the expected full A and B.</summary>
internal sealed record GoldenCase(string Name, ProLoraConfig Config, float[] ChunkA, float[] VecA, float[] ChunkB, float[] VecB, float[] LoraA, float[] LoraB)
{
    public static GoldenCase Parse(JsonElement c)
    {
        var cfg = c.GetProperty("config");
        int Int(string name) => cfg.GetProperty(name).GetInt32();
        var config = new ProLoraConfig
        {
            InFeatures = Int("in_features"),
            OutFeatures = Int("out_features"),
            Rank = Int("r"),
            UnsharedRank = Int("unshared_r"),
            ReduceA = Int("reduce_a"),
            ReduceB = Int("reduce_b"),
            Rotation = cfg.GetProperty("rotation").GetBoolean(),
            ShiftAOverride = Int("shift_a"),
            ShiftBOverride = Int("shift_b"),
            LoraAlpha = cfg.GetProperty("lora_alpha").GetSingle(),
        }.Validate();
        float[] Data(string group, string name) => [.. c.GetProperty(group).GetProperty(name).GetProperty("data").EnumerateArray().Select(e => (float)e.GetDouble())];
        return new GoldenCase(
            c.GetProperty("name").GetString()!,
            config,
            Data("inputs", "chunk_a"),
            Data("inputs", "vec_a"),
            Data("inputs", "chunk_b"),
            Data("inputs", "vec_b"),
            Data("expected", "lora_a"),
            Data("expected", "lora_b"));
    }

    public ProLoraAdapter Adapter()
    {
        var be = CpuBackend.Instance;
        var c = Config;
        return new ProLoraAdapter(
            c,
            be.FromArray(ChunkA, new Shape(c.SharedRank, c.ChunkSizeA)),
            be.FromArray(VecA, new Shape(c.UnsharedRank, c.InFeatures)),
            be.FromArray(ChunkB, new Shape(c.ChunkSizeB, c.SharedRank)),
            be.FromArray(VecB, new Shape(c.UnsharedRank, c.OutFeatures)));
    }
}
