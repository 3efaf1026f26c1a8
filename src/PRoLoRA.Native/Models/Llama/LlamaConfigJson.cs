using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PRoLoRA.Native.IO;

namespace PRoLoRA.Native.Models.Llama;

/// <summary>
/// A <see cref="LlamaConfig"/> as the config.json of a Hugging Face LlamaForCausalLM checkpoint
/// (architectures, model_type "llama", the shape fields, torch_dtype), which
/// <see cref="LlamaConfig.Load"/> reads back to the same config.
/// </summary>
internal static class LlamaConfigJson
{
    /// <summary>The file's bytes for <paramref name="config"/> with weights stored as <paramref name="dtype"/>.</summary>
    public static byte[] Write(LlamaConfig config, SafetensorsDType dtype)
    {
        var root = new JsonObject
        {
            ["architectures"] = new JsonArray("LlamaForCausalLM"),
            ["attention_bias"] = config.AttentionBias,
            ["attention_dropout"] = 0.0,
        };
        if (config.BosTokenId is { } bos)
        {
            root["bos_token_id"] = bos;
        }
        if (config.EosTokenId is { } eos)
        {
            root["eos_token_id"] = eos;
        }
        root["head_dim"] = config.HeadDim;
        root["hidden_act"] = "silu";
        root["hidden_size"] = config.HiddenSize;
        root["initializer_range"] = Number(LlamaModel.InitializerRange);
        root["intermediate_size"] = config.IntermediateSize;
        root["max_position_embeddings"] = config.MaxPositions;
        root["mlp_bias"] = config.MlpBias;
        root["model_type"] = "llama";
        root["num_attention_heads"] = config.Heads;
        root["num_hidden_layers"] = config.Layers;
        root["num_key_value_heads"] = config.KvHeads;
        if (config.PadTokenId is { } pad)
        {
            root["pad_token_id"] = pad;
        }
        root["pretraining_tp"] = 1;
        root["rms_norm_eps"] = Number(config.RmsNormEps);
        root["rope_scaling"] = config.RopeScale == 1f ? null : new JsonObject { ["factor"] = Number(config.RopeScale), ["rope_type"] = "linear", ["type"] = "linear" };
        root["rope_theta"] = Number(config.RopeTheta);
        root["tie_word_embeddings"] = config.TieWordEmbeddings;
        root["torch_dtype"] = TorchDType(dtype);
        root["use_cache"] = true;
        root["vocab_size"] = config.VocabularySize;
        return JsonSerializer.SerializeToUtf8Bytes(root, JsonOptions.Indented);
    }

    /// <summary>The torch name of <paramref name="dtype"/>; only the float types a checkpoint's weights may have.</summary>
    public static string TorchDType(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F32 => "float32",
        SafetensorsDType.F16 => "float16",
        SafetensorsDType.BF16 => "bfloat16",
        _ => throw new ArgumentException($"weights are saved as F32, F16 or BF16, not {dtype}", nameof(dtype)),
    };

    /// <summary>The float's shortest decimal form as a JSON number (1e-5f as 1E-05, not 9.99999974737875E-06).</summary>
    private static JsonNode Number(float value) => JsonValue.Create(double.Parse(value.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
}
