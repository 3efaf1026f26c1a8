using System.Text.Json;
using System.Text.Json.Nodes;
using PRoLoRA.Native.Models.Llama;

namespace PRoLoRA.Cli.Pretraining;

/// <summary>
/// The base model's character-level tokenizer, written as the files of a Hugging Face checkpoint
/// (tokenizer.json, tokenizer_config.json, special_tokens_map.json, generation_config.json) that
/// <see cref="PRoLoRA.Native.Text.Tokenizers.Load"/> and transformers' AutoTokenizer read. It is a
/// BPE model whose vocabulary is single characters and which has no merges, so every character is
/// one token: ids 0–3 are &lt;unk&gt;, &lt;s&gt;, &lt;/s&gt;, &lt;pad&gt;, then newline, then the
/// printable ASCII characters space to '~'. Encoding adds &lt;s&gt; in front (as LLaMA's tokenizer
/// does); any other character (a tab, 'é') becomes &lt;unk&gt;.
/// </summary>
public static class CharTokenizer
{
    /// <summary>The unknown token's id: what a character outside the vocabulary becomes.</summary>
    public const int UnkId = 0;

    /// <summary>The beginning-of-sequence token's id.</summary>
    public const int BosId = 1;

    /// <summary>The end-of-sequence token's id.</summary>
    public const int EosId = 2;

    /// <summary>The padding token's id.</summary>
    public const int PadId = 3;

    private static readonly string[] Specials = ["<unk>", "<s>", "</s>", "<pad>"];

    /// <summary>The characters of the vocabulary in id order (from id 4): newline, then space to '~'.</summary>
    public static string Characters { get; } = "\n" + string.Concat(Enumerable.Range(' ', '~' - ' ' + 1).Select(c => (char)c));

    /// <summary>Tokens in the vocabulary (100).</summary>
    public static int VocabularySize => Specials.Length + Characters.Length;

    /// <summary>
    /// The ids of <paramref name="text"/> without &lt;s&gt;: what the saved tokenizer makes of it
    /// (after its &lt;s&gt;) for text without special tokens written in it.
    /// </summary>
    public static int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new int[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            int at = Characters.IndexOf(text[i], StringComparison.Ordinal);
            ids[i] = at < 0 ? UnkId : Specials.Length + at;
        }
        return ids;
    }

    /// <summary>The four tokenizer files, for <see cref="LlamaCheckpointWriter.Save"/>.</summary>
    public static IReadOnlyList<CheckpointFile> Files() =>
    [
        File("tokenizer.json", TokenizerJson()),
        File("tokenizer_config.json", TokenizerConfig()),
        File("special_tokens_map.json", SpecialTokensMap()),
        File("generation_config.json", new JsonObject { ["bos_token_id"] = BosId, ["eos_token_id"] = EosId, ["pad_token_id"] = PadId }),
    ];

    private static CheckpointFile File(string name, JsonObject content)
        => new(name, JsonSerializer.SerializeToUtf8Bytes(content, new JsonSerializerOptions { WriteIndented = true }));

    private static JsonObject TokenizerJson()
    {
        var vocab = new JsonObject();
        var added = new JsonArray();
        for (int id = 0; id < Specials.Length; id++)
        {
            vocab[Specials[id]] = id;
            added.Add(new JsonObject
            {
                ["id"] = id,
                ["content"] = Specials[id],
                ["single_word"] = false,
                ["lstrip"] = false,
                ["rstrip"] = false,
                ["normalized"] = false,
                ["special"] = true,
            });
        }
        for (int i = 0; i < Characters.Length; i++)
        {
            vocab[Characters[i].ToString()] = Specials.Length + i;
        }
        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = null,
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(Special("<s>"), Sequence("A")),
                ["pair"] = new JsonArray(Special("<s>"), Sequence("A"), Special("<s>"), Sequence("B")),
                ["special_tokens"] = new JsonObject
                {
                    ["<s>"] = new JsonObject { ["id"] = "<s>", ["ids"] = new JsonArray(BosId), ["tokens"] = new JsonArray("<s>") },
                },
            },
            ["decoder"] = new JsonObject { ["type"] = "Fuse" },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = "<unk>",
                ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null,
                ["fuse_unk"] = false,
                ["byte_fallback"] = false,
                ["ignore_merges"] = false,
                ["vocab"] = vocab,
                ["merges"] = new JsonArray(),
            },
        };
    }

    private static JsonObject Special(string id) => new() { ["SpecialToken"] = new JsonObject { ["id"] = id, ["type_id"] = 0 } };

    private static JsonObject Sequence(string id) => new() { ["Sequence"] = new JsonObject { ["id"] = id, ["type_id"] = 0 } };

    private static JsonObject TokenizerConfig() => new()
    {
        ["add_bos_token"] = true,
        ["add_eos_token"] = false,
        ["bos_token"] = "<s>",
        ["eos_token"] = "</s>",
        ["pad_token"] = "<pad>",
        ["unk_token"] = "<unk>",
        ["clean_up_tokenization_spaces"] = false,
        ["model_max_length"] = BaseModelShape.MaxPositions,
        ["tokenizer_class"] = "PreTrainedTokenizerFast",
    };

    private static JsonObject SpecialTokensMap() => new()
    {
        ["bos_token"] = "<s>",
        ["eos_token"] = "</s>",
        ["pad_token"] = "<pad>",
        ["unk_token"] = "<unk>",
    };
}
