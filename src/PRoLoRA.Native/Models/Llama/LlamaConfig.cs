using PRoLoRA.Native.IO.Input;

namespace PRoLoRA.Native.Models.Llama;

/// <summary>
/// The shape of a LLaMA-architecture model (Hugging Face <c>LlamaForCausalLM</c>), read from a
/// checkpoint folder's config.json. Fields the math does not use are ignored; fields that would
/// change it in ways this library does not implement (another architecture or activation, a rope
/// scaling other than linear) are refused naming the field.
/// </summary>
public sealed record LlamaConfig
{
    /// <summary>The config file's name in a checkpoint folder.</summary>
    public const string FileName = "config.json";

    /// <summary>Width of the residual stream.</summary>
    public required int HiddenSize { get; init; }

    /// <summary>Width of the MLP's gate and up projections.</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>Decoder layers.</summary>
    public required int Layers { get; init; }

    /// <summary>Query heads.</summary>
    public required int Heads { get; init; }

    /// <summary>Key/value heads (fewer than <see cref="Heads"/> for grouped-query attention).</summary>
    public required int KvHeads { get; init; }

    /// <summary>Width of one head.</summary>
    public required int HeadDim { get; init; }

    /// <summary>Tokens in the vocabulary.</summary>
    public required int VocabularySize { get; init; }

    /// <summary>RMSNorm's epsilon.</summary>
    public float RmsNormEps { get; init; } = 1e-6f;

    /// <summary>RoPE's base θ.</summary>
    public float RopeTheta { get; init; } = 10000f;

    /// <summary>Linear RoPE scaling: positions are divided by this (1 without scaling).</summary>
    public float RopeScale { get; init; } = 1f;

    /// <summary>The output head is the embedding table (no lm_head.weight).</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>Longest sequence the model was trained for.</summary>
    public int MaxPositions { get; init; } = 2048;

    /// <summary>q, k, v and o projections have biases.</summary>
    public bool AttentionBias { get; init; }

    /// <summary>gate, up and down projections have biases.</summary>
    public bool MlpBias { get; init; }

    /// <summary>Beginning-of-sequence token, when the config names one.</summary>
    public int? BosTokenId { get; init; }

    /// <summary>End-of-sequence token, when the config names one.</summary>
    public int? EosTokenId { get; init; }

    /// <summary>Padding token, when the config names one (read and written back; the math does not use it).</summary>
    public int? PadTokenId { get; init; }

    /// <summary>Queries per key/value head.</summary>
    public int GroupSize => Heads / KvHeads;

    /// <summary>Reads and checks <see cref="FileName"/> in <paramref name="folder"/>.</summary>
    public static LlamaConfig Load(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var root = JsonInput.Load(Path.Combine(folder, FileName)).Object();
        var modelType = root.Optional("model_type")?.String();
        if (modelType is not null and not "llama")
        {
            throw root["model_type"].Error($"is \"{Printable.Text(modelType)}\": only LLaMA-architecture checkpoints (model_type \"llama\") are supported");
        }
        if (root.Optional("architectures") is { } architectures && !architectures.Items().Any(a => a.Kind == System.Text.Json.JsonValueKind.String && a.String() == "LlamaForCausalLM"))
        {
            throw architectures.Error("names no LlamaForCausalLM: only LLaMA-architecture causal language models are supported");
        }
        if (root.Optional("hidden_act") is { } act && act.String() != "silu")
        {
            throw act.Error($"is {act.Describe()}: only \"silu\" (LLaMA's) is supported");
        }
        int hidden = root["hidden_size"].Int32(1);
        int heads = root["num_attention_heads"].Int32(1);
        int kvHeads = root.Optional("num_key_value_heads")?.Int32(1) ?? heads;
        if (heads % kvHeads != 0)
        {
            throw root["num_key_value_heads"].Error($"is {kvHeads}, which does not divide num_attention_heads = {heads}");
        }
        int headDim = root.Optional("head_dim")?.Int32(1) ?? (hidden % heads == 0 ? hidden / heads : throw root["hidden_size"].Error($"is not a multiple of num_attention_heads = {heads} (and no head_dim is given)"));
        if (headDim % 2 != 0)
        {
            throw root.Error($"head_dim is {headDim}: rotary embeddings need an even head width");
        }
        var (theta, scale) = Rope(root);
        return new LlamaConfig
        {
            HiddenSize = hidden,
            IntermediateSize = root["intermediate_size"].Int32(1),
            Layers = root["num_hidden_layers"].Int32(1, 10_000),
            Heads = heads,
            KvHeads = kvHeads,
            HeadDim = headDim,
            VocabularySize = root["vocab_size"].Int32(1),
            RmsNormEps = Positive(root, "rms_norm_eps", root.Optional("rms_norm_eps")?.Single() ?? 1e-6f),
            RopeTheta = theta,
            RopeScale = scale,
            TieWordEmbeddings = root.Optional("tie_word_embeddings")?.Bool() ?? false,
            MaxPositions = root.Optional("max_position_embeddings")?.Int32(1) ?? 2048,
            AttentionBias = root.Optional("attention_bias")?.Bool() ?? false,
            MlpBias = root.Optional("mlp_bias")?.Bool() ?? false,
            BosTokenId = TokenId(root, "bos_token_id"),
            EosTokenId = TokenId(root, "eos_token_id"),
            PadTokenId = PadId(root),
        };
    }

    /// <summary>θ and the linear scale, from rope_theta and rope_scaling, or from rope_parameters (newer transformers).</summary>
    private static (float Theta, float Scale) Rope(JsonField root)
    {
        float theta = root.Optional("rope_theta")?.Single() ?? 10000f;
        var scaling = root.Optional("rope_scaling") ?? root.Optional("rope_parameters");
        if (scaling is not { } s)
        {
            return (Positive(root, "rope_theta", theta), 1f);
        }
        s.Object();
        theta = s.Optional("rope_theta")?.Single() ?? theta;
        var type = (s.Optional("rope_type") ?? s.Optional("type"))?.String() ?? "default";
        float scale = type switch
        {
            "default" => 1f,
            "linear" => s["factor"].Single(),
            _ => throw s.Error($"has rope type \"{Printable.Text(type)}\": only the default and \"linear\" scaling are supported"),
        };
        if (!(scale > 0f))
        {
            throw s.Error($"factor is {scale}: it must be > 0");
        }
        return (Positive(root, "rope_theta", theta), scale);
    }

    private static float Positive(JsonField root, string field, float value)
        => value > 0f && float.IsFinite(value) ? value : throw root.Error($"{field} is {value}: it must be > 0 and finite");

    /// <summary>pad_token_id when it is a token id; a negative one (some configs write -1 for none) or any other value is read as none, since nothing here uses it.</summary>
    private static int? PadId(JsonField root)
        => root.Optional("pad_token_id") is { Kind: System.Text.Json.JsonValueKind.Number } f && f.Element.TryGetInt32(out int id) && id >= 0 ? id : null;

    /// <summary>A token id field: a number, or (as some configs have) a list whose first entry is taken.</summary>
    private static int? TokenId(JsonField root, string field) => root.Optional(field) is not { } f ? null
        : f.Kind == System.Text.Json.JsonValueKind.Array ? f.Items().FirstOrDefault() is { Kind: System.Text.Json.JsonValueKind.Number } first ? first.Int32(0) : null
        : f.Int32(0);
}
