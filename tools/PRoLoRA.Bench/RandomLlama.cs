using System.Text.Json;
using PRoLoRA.Native.Backends;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Bench;

/// <summary>
/// Random LLaMA weights of a given config, deterministic in a seed: linears uniform in ±1/√in, the
/// embeddings (and an own head) in ±1/√hidden, norms in 1 ± 0.1, biases in ±0.1. As a Hugging Face
/// checkpoint folder (config.json and model.safetensors, for <see cref="LlamaModel.Load(string, PRoLoRA.Native.Backends.IBackend)"/> and the
/// PyTorch peer) or straight onto a backend.
/// </summary>
internal static class RandomLlama
{
    /// <summary>Every tensor a checkpoint of <paramref name="config"/> holds, with its shape, in a fixed order.</summary>
    public static IEnumerable<(string Name, Shape Shape)> Tensors(LlamaConfig config)
    {
        int h = config.HiddenSize;
        yield return ("model.embed_tokens.weight", new Shape(config.VocabularySize, h));
        for (int layer = 0; layer < config.Layers; layer++)
        {
            yield return ($"model.layers.{layer}.input_layernorm.weight", new Shape(h));
            yield return ($"model.layers.{layer}.post_attention_layernorm.weight", new Shape(h));
            foreach (var leaf in LlamaModules.Leaves)
            {
                var path = LlamaModules.Path(layer, leaf);
                var (inFeatures, outFeatures) = LlamaModules.Size(config, leaf);
                yield return ($"{path}.weight", new Shape(outFeatures, inFeatures));
                if (leaf is "gate_proj" or "up_proj" or "down_proj" ? config.MlpBias : config.AttentionBias)
                {
                    yield return ($"{path}.bias", new Shape(outFeatures));
                }
            }
        }
        yield return ("model.norm.weight", new Shape(h));
        if (!config.TieWordEmbeddings)
        {
            yield return ("lm_head.weight", new Shape(config.VocabularySize, h));
        }
    }

    /// <summary>The values of one tensor, deterministic in <paramref name="seed"/> and the tensor's name.</summary>
    public static float[] Values(string name, Shape shape, int seed)
    {
        var rng = new Random(unchecked(seed + StableHash(name)));
        var data = new float[shape.Count];
        bool norm = name.EndsWith("norm.weight", StringComparison.Ordinal);
        float scale = norm || name.EndsWith(".bias", StringComparison.Ordinal) ? 0.1f : 1f / MathF.Sqrt(shape[-1]);
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (norm ? 1f : 0f) + (float)(((rng.NextDouble() * 2) - 1) * scale);
        }
        return data;
    }

    /// <summary>A model of <paramref name="config"/> with random weights on <paramref name="backend"/> (no file).</summary>
    public static LlamaModel Model(LlamaConfig config, IBackend backend, int seed)
        => LlamaModel.Create(config, backend, (name, shape) => backend.FromArray(Values(name, shape, seed), shape));

    /// <summary>Writes a checkpoint folder of <paramref name="config"/> with random weights into <paramref name="folder"/> (created).</summary>
    public static void WriteFolder(string folder, LlamaConfig config, int seed)
    {
        Directory.CreateDirectory(folder);
        var writer = new SafetensorsWriter();
        writer.Metadata["format"] = "pt";
        foreach (var (name, shape) in Tensors(config))
        {
            writer.AddLazy(name, shape, SafetensorsDType.F32, () => Values(name, shape, seed));
        }
        writer.Save(Path.Combine(folder, "model.safetensors"));
        var json = new Dictionary<string, object>
        {
            ["architectures"] = new[] { "LlamaForCausalLM" },
            ["model_type"] = "llama",
            ["hidden_act"] = "silu",
            ["hidden_size"] = config.HiddenSize,
            ["intermediate_size"] = config.IntermediateSize,
            ["num_hidden_layers"] = config.Layers,
            ["num_attention_heads"] = config.Heads,
            ["num_key_value_heads"] = config.KvHeads,
            ["head_dim"] = config.HeadDim,
            ["vocab_size"] = config.VocabularySize,
            ["rms_norm_eps"] = config.RmsNormEps,
            ["rope_theta"] = config.RopeTheta,
            ["tie_word_embeddings"] = config.TieWordEmbeddings,
            ["attention_bias"] = config.AttentionBias,
            ["mlp_bias"] = config.MlpBias,
            ["max_position_embeddings"] = config.MaxPositions,
        };
        File.WriteAllText(Path.Combine(folder, LlamaConfig.FileName), JsonSerializer.Serialize(json));
    }

    private static int StableHash(string s)
    {
        int h = 17;
        foreach (char c in s)
        {
            h = unchecked((h * 31) + c);
        }
        return h;
    }
}
