using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Tensors;
using PRoLoRA.Native.Tests.IO;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Fuzz;

/// <summary>
/// The valid inputs the fuzzer mutates, built once per test run and byte-for-byte the same every
/// run (the adapter folder's random save id is replaced by a fixed one), so a case seed always
/// gives the same input.
/// </summary>
internal static class FuzzSeeds
{
    /// <summary>The save id written into both files of the seed adapter folder.</summary>
    public const string SaveId = "f022f022f022f022f022f022f022f022";

    private static readonly Lazy<(byte[] Config, byte[] Weights)> Adapter = new(BuildAdapter);
    private static readonly Lazy<byte[]> GoldenSeed = new(BuildGolden);
    private static readonly Lazy<byte[]> LlamaWeightsSeed = new(BuildLlamaWeights);
    private static readonly Lazy<byte[]> DTypesSeed = new(BuildDTypes);
    private static readonly Lazy<byte[]> BaseSeed = new(BuildBase);
    private static readonly Lazy<byte[][]> TokenizerJsonSeeds = new(() =>
    [
        Encoding.UTF8.GetBytes(Text.TokenizerFiles.SentencePieceStyle(["▁", "h", "e", "▁h", "he", "▁he", "▁▁"], [("▁", "h"), ("h", "e"), ("▁h", "e"), ("▁", "▁")]).ToJsonString()),
        Encoding.UTF8.GetBytes(Text.TokenizerFiles.ByteLevelBpe([(" ", "t"), ("h", "e"), (" t", "he")], addedTokens: [Text.TokenizerFiles.Added(300, "<s>", special: true)], ignoreMerges: true).ToJsonString()),
    ]);

    /// <summary>adapter_config.json of <see cref="TestAdapters.Mixed"/> saved by <see cref="ProLoraAdapterFolder.Save"/>.</summary>
    public static byte[] AdapterConfig => Adapter.Value.Config;

    /// <summary>adapter_model.safetensors of the same save.</summary>
    public static byte[] AdapterWeights => Adapter.Value.Weights;

    /// <summary>The official golden file cut to its two smallest cases.</summary>
    public static byte[] Golden => GoldenSeed.Value;

    /// <summary>config.json of a tiny LLaMA (one layer, hidden 4, two heads over one kv head, untied head).</summary>
    public static byte[] LlamaConfig => Encoding.UTF8.GetBytes("""
        {"architectures":["LlamaForCausalLM"],"model_type":"llama","hidden_act":"silu","hidden_size":4,"intermediate_size":6,"num_hidden_layers":1,
         "num_attention_heads":2,"num_key_value_heads":1,"vocab_size":8,"rms_norm_eps":1e-5,"rope_theta":10000.0,"rope_scaling":null,
         "tie_word_embeddings":false,"max_position_embeddings":16,"attention_bias":false,"mlp_bias":false,"torch_dtype":"float32"}
        """);

    /// <summary>model.safetensors of <see cref="LlamaConfig"/>: every weight under its Hugging Face name, F32, BF16 and F16 mixed.</summary>
    public static byte[] LlamaWeights => LlamaWeightsSeed.Value;

    /// <summary>A safetensors file with a tensor of many dtypes, a scalar and an empty tensor.</summary>
    public static byte[] DTypes => DTypesSeed.Value;

    /// <summary>A zero base checkpoint for the modules of <see cref="TestAdapters.Mixed"/>, plus one tensor merge copies.</summary>
    public static byte[] Base => BaseSeed.Value;

    /// <summary>Small tokenizer.json files: Llama 2-style (byte fallback) and Llama 3-style (byte-level).</summary>
    public static IReadOnlyList<byte[]> TokenizerJsonFiles => TokenizerJsonSeeds.Value;

    /// <summary>A tokenizer_config.json naming and adding bos and eos.</summary>
    public static byte[] TokenizerConfig => Encoding.UTF8.GetBytes("""{"bos_token":{"content":"<s>"},"eos_token":"</s>","add_bos_token":true,"add_eos_token":false}""");

    /// <summary>A config.json with bos and eos ids.</summary>
    public static byte[] ModelConfig => Encoding.UTF8.GetBytes("""{"bos_token_id":1,"eos_token_id":[2,1],"vocab_size":300}""");

    /// <summary>A small SentencePiece tokenizer.model (BPE, byte fallback).</summary>
    public static byte[] TokenizerModel => Text.SentencePieceModelWriter.Write(Text.SentencePieceModelWriter.LlamaPieces(("▁", -9), ("a", -9), ("b", -9), ("aa", -1), ("▁a", -2), ("ab", -3)));

    /// <summary>Every safetensors seed.</summary>
    public static IReadOnlyList<byte[]> SafetensorsFiles => [AdapterWeights, DTypes, LlamaWeights, Base];

    /// <summary>Every JSON seed.</summary>
    public static IReadOnlyList<byte[]> JsonFiles => [AdapterConfig, Golden];

    /// <summary>The (out, in) of the modules of <see cref="TestAdapters.Mixed"/>, for the base a folder that does not load is merged with.</summary>
    public static IReadOnlyList<(string Module, int Out, int In)> MixedModules =>
        [("model.layers.0.self_attn.q_proj", 16, 16), ("model.layers.0.self_attn.k_proj", 8, 16), ("model.layers.1.mlp.down_proj", 16, 24)];

    private static (byte[], byte[]) BuildAdapter()
    {
        using var dir = new TempFolder();
        var adapters = TestAdapters.Mixed();
        try
        {
            ProLoraAdapterFolder.Save(dir.Path, adapters);
        }
        finally
        {
            TestAdapters.DisposeAll(adapters);
        }
        var config = File.ReadAllBytes(dir.File(AdapterKeys.ConfigFile));
        var weights = File.ReadAllBytes(dir.File(AdapterKeys.WeightsFile));
        var id = JsonNode.Parse(config)!["prolora_save_id"]!.GetValue<string>();
        return (Replace(config, id, SaveId), Replace(weights, id, SaveId));
    }

    private static byte[] Replace(byte[] bytes, string from, string to)
    {
        var a = Encoding.UTF8.GetBytes(from);
        var b = Encoding.UTF8.GetBytes(to);
        Assert.That(b, Has.Length.EqualTo(a.Length));
        var result = (byte[])bytes.Clone();
        int at = result.AsSpan().IndexOf(a);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), $"save id {from} not found");
        b.CopyTo(result, at);
        return result;
    }

    private static byte[] BuildGolden()
    {
        var root = JsonNode.Parse(File.ReadAllBytes(GoldenPath.Official))!.AsObject();
        var cases = root["cases"]!.AsArray();
        var smallest = cases.OrderBy(c => c!.ToJsonString().Length).Take(2).Select(c => c!.DeepClone()).ToArray();
        root["cases"] = new JsonArray(smallest);
        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    private static byte[] BuildLlamaWeights()
    {
        var rng = new Random(11);
        var writer = new SafetensorsWriter();
        writer.Metadata["format"] = "pt";
        var dtypes = new[] { SafetensorsDType.F32, SafetensorsDType.BF16, SafetensorsDType.F16 };
        int n = 0;
        void Add(string name, params int[] dims)
        {
            var shape = new Shape(dims);
            var values = Enumerable.Range(0, (int)shape.Count).Select(_ => (float)((rng.NextDouble() * 0.4) - 0.2)).ToArray();
            writer.Add(name, values, shape, dtypes[n++ % dtypes.Length]);
        }
        Add("model.embed_tokens.weight", 8, 4);
        Add("model.layers.0.input_layernorm.weight", 4);
        Add("model.layers.0.self_attn.q_proj.weight", 4, 4);
        Add("model.layers.0.self_attn.k_proj.weight", 2, 4);
        Add("model.layers.0.self_attn.v_proj.weight", 2, 4);
        Add("model.layers.0.self_attn.o_proj.weight", 4, 4);
        Add("model.layers.0.post_attention_layernorm.weight", 4);
        Add("model.layers.0.mlp.gate_proj.weight", 6, 4);
        Add("model.layers.0.mlp.up_proj.weight", 6, 4);
        Add("model.layers.0.mlp.down_proj.weight", 4, 6);
        Add("model.norm.weight", 4);
        Add("lm_head.weight", 8, 4);
        using var dir = new TempFolder();
        var path = dir.File("model.safetensors");
        writer.Save(path);
        return File.ReadAllBytes(path);
    }

    private static byte[] BuildDTypes()
    {
        var writer = new SafetensorsWriter();
        writer.Metadata["format"] = "pt";
        writer.Metadata["note"] = "fuzz seed";
        void Raw(string name, SafetensorsDType dtype, Shape shape, Action<byte[]> fill)
        {
            var bytes = new byte[shape.Count * dtype.Size()];
            fill(bytes);
            writer.AddRaw(name, shape, dtype, () => bytes);
        }
        Raw("f64", SafetensorsDType.F64, new Shape(2, 2), b => { for (int i = 0; i < 4; i++) { BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(8 * i), 0.25 * (i - 1)); } });
        Raw("i64", SafetensorsDType.I64, new Shape(1), b => BinaryPrimitives.WriteInt64LittleEndian(b, -3));
        Raw("i32", SafetensorsDType.I32, new Shape(2), b => BinaryPrimitives.WriteInt32LittleEndian(b, 7));
        Raw("f16", SafetensorsDType.F16, new Shape(3), b => BinaryPrimitives.WriteHalfLittleEndian(b, (Half)1.5f));
        Raw("bf16", SafetensorsDType.BF16, new Shape(2, 1), b => BinaryPrimitives.WriteUInt16LittleEndian(b, 0x3FC0));
        Raw("f8", SafetensorsDType.F8_E4M3, new Shape(4), b => b[0] = 0x38);
        Raw("bool", SafetensorsDType.BOOL, new Shape(3), b => b[1] = 1);
        Raw("empty", SafetensorsDType.U8, new Shape(0, 5), _ => { });
        writer.Add("scalar", [2.5f], new Shape());
        return Save(writer);
    }

    private static byte[] BuildBase()
    {
        var writer = new SafetensorsWriter();
        writer.Metadata["format"] = "pt";
        foreach (var (module, outFeatures, inFeatures) in MixedModules)
        {
            writer.Add(AdapterKeys.BaseWeight(module), new float[outFeatures * inFeatures], new Shape(outFeatures, inFeatures));
        }
        writer.Add("model.norm.weight", [1f, 1f, 1f, 1f], new Shape(4));
        return Save(writer);
    }

    private static byte[] Save(SafetensorsWriter writer)
    {
        using var dir = new TempFolder();
        var path = dir.File("seed.safetensors");
        writer.Save(path);
        return File.ReadAllBytes(path);
    }
}
