using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;
using PRoLoRA.Native.IO.Input;

namespace PRoLoRA.Native.Text.Json;

/// <summary>
/// tokenizer.json's "model" of type BPE: the vocabulary and merges. The merging itself is
/// Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/> (a port of the Rust tokenizers' BPE, with
/// unk_token, fuse_unk, continuing_subword_prefix and end_of_word_suffix); it is handed one
/// pre-tokenized piece at a time, with its own pre-tokenizer and normalizer off. Written here is what
/// it lacks: byte_fallback (Llama 2, TinyLlama: a character outside the vocabulary becomes its UTF-8
/// bytes as &lt;0xE6&gt; tokens) and ignore_merges (Llama 3: a piece that is itself a token is that
/// token, whatever the merges would make of it). Every reference in the file is checked here first,
/// so that a bad file is an <see cref="InvalidDataException"/> naming the entry.
/// </summary>
internal sealed class BpeModel
{
    private readonly BpeTokenizer _bpe;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly int[]? _byteIds;
    private readonly int? _unkId;
    private readonly bool _fuseUnk;
    private readonly bool _ignoreMerges;

    private BpeModel(BpeTokenizer bpe, Dictionary<string, int> vocab, int[]? byteIds, int? unkId, bool fuseUnk, bool ignoreMerges)
    {
        _bpe = bpe;
        Vocabulary = vocab;
        Tokens = vocab.ToDictionary(kv => kv.Value, kv => kv.Key);
        _lookup = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _byteIds = byteIds;
        _unkId = unkId;
        _fuseUnk = fuseUnk;
        _ignoreMerges = ignoreMerges;
    }

    /// <summary>Token → id.</summary>
    public IReadOnlyDictionary<string, int> Vocabulary { get; }

    /// <summary>Id → token.</summary>
    public IReadOnlyDictionary<int, string> Tokens { get; }

    /// <summary>Reads the model object <paramref name="field"/>.</summary>
    public static BpeModel Parse(JsonField field)
    {
        string type = field.Object().Optional("type")?.String() ?? "BPE";
        if (type != "BPE")
        {
            throw field["type"].Error($"the model type '{Printable.Text(type)}' is not supported (only BPE)");
        }
        if (field.Optional("dropout") is { } dropout && dropout.Double() != 0)
        {
            throw dropout.Error("BPE dropout is not supported (it makes encoding random)");
        }
        var vocab = ReadVocabulary(field["vocab"]);
        string? unk = field.Optional("unk_token")?.String();
        if (unk is not null && !vocab.ContainsKey(unk))
        {
            throw field["unk_token"].Error($"'{Printable.Text(unk)}' is not in the vocabulary");
        }
        string? prefix = field.Optional("continuing_subword_prefix")?.String();
        string? suffix = field.Optional("end_of_word_suffix")?.String();
        bool byteFallback = field.Optional("byte_fallback")?.Bool() ?? false;
        if (byteFallback && (prefix is not null || suffix is not null))
        {
            throw field.Error("byte_fallback together with continuing_subword_prefix or end_of_word_suffix is not supported");
        }
        int[]? byteIds = byteFallback ? ByteTokenIds(vocab) : null;
        var merges = ReadMerges(field["merges"], vocab, prefix?.Length ?? 0, byteIds);
        var options = new BpeOptions(vocab)
        {
            Merges = merges,
            UnknownToken = unk,
            FuseUnknownTokens = field.Optional("fuse_unk")?.Bool() ?? false,
            ContinuingSubwordPrefix = prefix,
            EndOfWordSuffix = suffix,
        };
        return new BpeModel(
            BpeTokenizer.Create(options), vocab, byteIds, unk is null ? null : vocab[unk],
            options.FuseUnknownTokens, field.Optional("ignore_merges")?.Bool() ?? false);
    }

    /// <summary>Appends the ids of the pre-tokenized <paramref name="piece"/> to <paramref name="ids"/>.</summary>
    public void Encode(string piece, List<int> ids)
    {
        if (_ignoreMerges && _lookup.TryGetValue(piece, out int whole))
        {
            ids.Add(whole);
            return;
        }
        if (_byteIds is null)
        {
            ids.AddRange(_bpe.EncodeToIds(piece, considerPreTokenization: false, considerNormalization: false));
            return;
        }
        // Byte fallback: runs of known characters go to BPE; a character between them becomes bytes.
        // No merge joins a byte token (checked on loading), so no merge could cross such a character.
        int runStart = 0;
        bool lastWasUnk = false;
        for (int i = 0; i < piece.Length;)
        {
            int length = char.IsHighSurrogate(piece[i]) && i + 1 < piece.Length && char.IsLowSurrogate(piece[i + 1]) ? 2 : 1;
            if (!_lookup.ContainsKey(piece.AsSpan(i, length)))
            {
                if (i > runStart)
                {
                    ids.AddRange(_bpe.EncodeToIds(piece[runStart..i], considerPreTokenization: false, considerNormalization: false));
                    lastWasUnk = false;
                }
                AddBytes(piece.AsSpan(i, length), ids, ref lastWasUnk);
                runStart = i + length;
            }
            i += length;
        }
        if (runStart < piece.Length)
        {
            ids.AddRange(_bpe.EncodeToIds(piece[runStart..], considerPreTokenization: false, considerNormalization: false));
        }
    }

    /// <summary>The byte tokens of <paramref name="character"/>, or the unknown token when one is missing (none without an unk_token).</summary>
    private void AddBytes(ReadOnlySpan<char> character, List<int> ids, ref bool lastWasUnk)
    {
        Span<byte> utf8 = stackalloc byte[4];
        int n = Encoding.UTF8.GetBytes(character, utf8);
        bool all = true;
        for (int k = 0; k < n; k++)
        {
            all &= _byteIds![utf8[k]] >= 0;
        }
        if (all)
        {
            for (int k = 0; k < n; k++)
            {
                ids.Add(_byteIds![utf8[k]]);
            }
            lastWasUnk = false;
        }
        else if (_unkId is { } unk && !(_fuseUnk && lastWasUnk))
        {
            ids.Add(unk);
            lastWasUnk = true;
        }
    }

    private static Dictionary<string, int> ReadVocabulary(JsonField field)
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        var owner = new Dictionary<int, string>();
        foreach (var (token, idField) in field.Object().Properties())
        {
            int id = idField.Int32(0, TokenizerLimits.MaxId);
            if (!owner.TryAdd(id, token))
            {
                throw idField.Error($"id {id} is also the id of '{Printable.Text(owner[id])}'");
            }
            vocab[token] = id;
        }
        return vocab.Count > 0 ? vocab : throw field.Error("the vocabulary is empty");
    }

    /// <summary>The ids of &lt;0x00&gt; … &lt;0xFF&gt; (−1 where missing: such bytes fall back to the unknown token).</summary>
    private static int[] ByteTokenIds(Dictionary<string, int> vocab)
    {
        var ids = new int[256];
        for (int b = 0; b < 256; b++)
        {
            ids[b] = vocab.TryGetValue(string.Create(CultureInfo.InvariantCulture, $"<0x{b:X2}>"), out int id) ? id : -1;
        }
        return ids;
    }

    /// <summary>The merges as "left right" (the form <see cref="BpeOptions.Merges"/> takes), each checked: both parts and the result in the vocabulary, no repeats.</summary>
    private static List<string> ReadMerges(JsonField field, Dictionary<string, int> vocab, int prefixLength, int[]? byteIds)
    {
        var byteTokens = byteIds?.Where(id => id >= 0).ToHashSet() ?? [];
        var merges = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in field.Items())
        {
            var (left, right) = SplitMerge(item);
            if (!vocab.TryGetValue(left, out int l) || !vocab.TryGetValue(right, out int r))
            {
                throw item.Error($"'{Printable.Text(vocab.ContainsKey(left) ? right : left)}' is not in the vocabulary");
            }
            if (right.Length <= prefixLength || !vocab.ContainsKey(left + right[prefixLength..]))
            {
                throw item.Error($"the merged token '{Printable.Text(left + right[Math.Min(prefixLength, right.Length)..])}' is not in the vocabulary");
            }
            if (byteTokens.Contains(l) || byteTokens.Contains(r))
            {
                throw item.Error("merges of byte-fallback tokens (<0x..>) are not supported");
            }
            string merge = $"{left} {right}";
            if (!seen.Add(merge))
            {
                throw item.Error("repeats an earlier merge");
            }
            merges.Add(merge);
        }
        return merges;
    }

    /// <summary>A merge as "left right" or ["left", "right"]; a part with a space is refused (the merge form of Microsoft.ML.Tokenizers cannot hold it).</summary>
    private static (string Left, string Right) SplitMerge(JsonField item)
    {
        string left, right;
        if (item.Kind == System.Text.Json.JsonValueKind.Array)
        {
            var parts = item.Items(2);
            (left, right) = (parts[0].String(), parts[1].String());
        }
        else
        {
            string text = item.String();
            int space = text.IndexOf(' ');
            if (space < 0 || text.IndexOf(' ', space + 1) >= 0)
            {
                throw item.Error($"must be two tokens separated by one space, got {item.Describe()}");
            }
            (left, right) = (text[..space], text[(space + 1)..]);
        }
        if (left.Length == 0 || right.Length == 0 || left.Contains(' ') || right.Contains(' '))
        {
            throw item.Error("merges of empty tokens or of tokens with a space are not supported");
        }
        return (left, right);
    }
}
