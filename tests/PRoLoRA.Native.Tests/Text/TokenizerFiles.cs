using System.Text;
using System.Text.Json.Nodes;
using PRoLoRA.Native.IO.Input;
using PRoLoRA.Native.Tests.IO;
using PRoLoRA.Native.Tests.Support;
using PRoLoRA.Native.Text.Json;

namespace PRoLoRA.Native.Tests.Text;

/// <summary>Small hand-made tokenizer files for the unit tests.</summary>
internal static class TokenizerFiles
{
    /// <summary>The Llama 3 pre-tokenizer pattern.</summary>
    public const string Llama3Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary><paramref name="text"/> in the byte-level alphabet (space as Ġ).</summary>
    public static string Bytes(string text) => ByteLevelAlphabet.Encode(text);

    /// <summary>
    /// A byte-level BPE tokenizer.json: ids 0–255 are the bytes, then the result of each merge (given
    /// as plain text) in order, then <paramref name="extraTokens"/>; Llama 3's pre-tokenizer unless
    /// <paramref name="preTokenizer"/> is given; ByteLevel decoder.
    /// </summary>
    public static JsonObject ByteLevelBpe((string Left, string Right)[] merges, JsonNode? preTokenizer = null, JsonArray? addedTokens = null, bool ignoreMerges = false, string[]? extraTokens = null)
    {
        var vocab = new JsonObject();
        for (int b = 0; b < 256; b++)
        {
            vocab[ByteChar(b)] = b;
        }
        foreach (var token in merges.Select(m => m.Left + m.Right).Concat(extraTokens ?? []))
        {
            string key = Bytes(token);
            if (!vocab.ContainsKey(key))
            {
                vocab[key] = vocab.Count;
            }
        }
        return new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = addedTokens ?? [],
            ["normalizer"] = null,
            ["pre_tokenizer"] = preTokenizer ?? new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = Llama3Pattern }, ["behavior"] = "Isolated", ["invert"] = false },
                    new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["use_regex"] = false }),
            },
            ["post_processor"] = null,
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel" },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["ignore_merges"] = ignoreMerges,
                ["vocab"] = vocab,
                ["merges"] = new JsonArray([.. merges.Select(m => (JsonNode)$"{Bytes(m.Left)} {Bytes(m.Right)}")]),
            },
        };
    }

    /// <summary>
    /// A Llama 2-style tokenizer.json: &lt;unk&gt; 0, &lt;s&gt; 1, &lt;/s&gt; 2, the byte tokens
    /// &lt;0x00&gt;–&lt;0xFF&gt; 3–258 (unless left out), then <paramref name="tokens"/>; the normalizer,
    /// decoder and template of Llama 2; byte fallback and fuse_unk.
    /// </summary>
    public static JsonObject SentencePieceStyle(string[] tokens, (string Left, string Right)[] merges, bool byteTokens = true)
    {
        var vocab = new JsonObject { ["<unk>"] = 0, ["<s>"] = 1, ["</s>"] = 2 };
        for (int b = 0; b < 256 && byteTokens; b++)
        {
            vocab[$"<0x{b:X2}>"] = vocab.Count;
        }
        foreach (var token in tokens)
        {
            vocab[token] = vocab.Count;
        }
        return new JsonObject
        {
            ["added_tokens"] = new JsonArray([.. new[] { "<unk>", "<s>", "</s>" }.Select((t, i) => (JsonNode)Added(i, t, special: true))]),
            ["normalizer"] = JsonNode.Parse("""{"type":"Sequence","normalizers":[{"type":"Prepend","prepend":"▁"},{"type":"Replace","pattern":{"String":" "},"content":"▁"}]}"""),
            ["pre_tokenizer"] = null,
            ["post_processor"] = JsonNode.Parse("""{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<s>","type_id":0}},{"Sequence":{"id":"A","type_id":0}}],"pair":[],"special_tokens":{"<s>":{"id":"<s>","ids":[1],"tokens":["<s>"]}}}"""),
            ["decoder"] = JsonNode.Parse("""{"type":"Sequence","decoders":[{"type":"Replace","pattern":{"String":"▁"},"content":" "},{"type":"ByteFallback"},{"type":"Fuse"},{"type":"Strip","content":" ","start":1,"stop":0}]}"""),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["unk_token"] = "<unk>",
                ["fuse_unk"] = true,
                ["byte_fallback"] = true,
                ["vocab"] = vocab,
                ["merges"] = new JsonArray([.. merges.Select(m => (JsonNode)$"{m.Left} {m.Right}")]),
            },
        };
    }

    /// <summary>An added_tokens entry.</summary>
    public static JsonObject Added(int id, string content, bool special = false, bool normalized = false, bool lstrip = false, bool rstrip = false, bool singleWord = false)
        => new() { ["id"] = id, ["content"] = content, ["single_word"] = singleWord, ["lstrip"] = lstrip, ["rstrip"] = rstrip, ["normalized"] = normalized, ["special"] = special };

    /// <summary>Writes tokenizer.json (and the other files) into <paramref name="folder"/>; returns its path.</summary>
    public static string Write(TempFolder folder, JsonNode tokenizer, params (string Name, JsonNode Json)[] others)
    {
        File.WriteAllText(folder.File("tokenizer.json"), tokenizer.ToJsonString());
        foreach (var (name, json) in others)
        {
            File.WriteAllText(folder.File(name), json.ToJsonString());
        }
        return folder.Path;
    }

    /// <summary><paramref name="json"/> as the JSON readers take it.</summary>
    public static JsonField Field(string json) => JsonInput.Parse("test.json", Encoding.UTF8.GetBytes(json));

    /// <summary>The byte-level character of byte <paramref name="b"/>.</summary>
    private static string ByteChar(int b)
    {
        var bytes = new List<byte>();
        for (int c = 0; c < 512; c++)
        {
            bytes.Clear();
            if (ByteLevelAlphabet.TryDecode(((char)c).ToString(), bytes) && bytes[0] == b)
            {
                return ((char)c).ToString();
            }
        }
        throw new InvalidOperationException($"no character for byte {b}");
    }
}
