using PRoLoRA.Native.IO.Input;

namespace PRoLoRA.Native.Text.Json;

/// <summary>
/// A Hugging Face tokenizer.json with a BPE model, run through the same stages as the Rust
/// tokenizers: added tokens found in the raw text (those with normalized = false), the normalizer on
/// the rest, added tokens found in the normalized text, the pre-tokenizer, BPE on each piece; and for
/// decoding the token strings through the decoder. Truncation and padding settings are ignored.
/// </summary>
internal sealed class JsonTokenizer : TokenizerCore
{
    private readonly AddedTokenSplitter _rawTokens;
    private readonly AddedTokenSplitter _normalizedTokens;
    private readonly TextNormalizer? _normalizer;
    private readonly PreTokenizer? _preTokenizer;
    private readonly BpeModel _model;
    private readonly TokenDecoder? _decoder;
    private readonly Dictionary<int, AddedToken> _addedById;
    private readonly Dictionary<string, AddedToken> _addedByContent;

    private JsonTokenizer(string source, JsonField root)
    {
        Source = source;
        var added = root.Optional("added_tokens")?.Items().Select(t => (Field: t, Token: AddedToken.Parse(t))).ToList() ?? [];
        _addedById = [];
        _addedByContent = new(StringComparer.Ordinal);
        foreach (var (field, token) in added)
        {
            if ((_addedById.TryGetValue(token.Id, out var other) && other.Content != token.Content)
                || (_addedByContent.TryGetValue(token.Content, out other) && other.Id != token.Id))
            {
                throw field.Error($"conflicts with the added token {other.Id} '{Printable.Text(other.Content)}'");
            }
            _addedById[token.Id] = token;
            _addedByContent[token.Content] = token;
        }
        _rawTokens = new AddedTokenSplitter(_addedById.Values.Where(t => !t.Normalized));
        _normalizedTokens = new AddedTokenSplitter(_addedById.Values.Where(t => t.Normalized));
        _normalizer = root.Optional("normalizer") is { } n ? TextNormalizer.Parse(n) : null;
        _preTokenizer = root.Optional("pre_tokenizer") is { } p ? PreTokenizer.Parse(p) : null;
        _model = BpeModel.Parse(root["model"]);
        _decoder = root.Optional("decoder") is { } d ? TokenDecoder.Parse(d) : null;
        VocabularySize = Math.Max(_model.Tokens.Keys.Max(), _addedById.Count == 0 ? -1 : _addedById.Keys.Max()) + 1;
        var template = PostProcessorTemplate.Parse(root.Optional("post_processor"));
        foreach (int id in template.Prefix.Concat(template.Suffix).Where(id => !IsKnown(id)))
        {
            throw root["post_processor"].Error($"adds id {id}, which is no token of the file");
        }
        (Prefix, Suffix) = (template.Prefix, template.Suffix);
    }

    /// <inheritdoc/>
    public override string Source { get; }

    /// <inheritdoc/>
    public override int VocabularySize { get; }

    /// <inheritdoc/>
    public override int[] Prefix { get; }

    /// <inheritdoc/>
    public override int[] Suffix { get; }

    /// <inheritdoc/>
    public override int? DefaultEosId => null;

    /// <summary>Reads the tokenizer.json file <paramref name="path"/>.</summary>
    public static JsonTokenizer Load(string path) => new(path, JsonInput.Load(path).Object());

    /// <inheritdoc/>
    public override int[] EncodeText(string text)
    {
        var ids = new List<int>();
        foreach (var (token, raw, rawStart) in _rawTokens.Split(text))
        {
            if (token is not null)
            {
                ids.Add(token.Id);
                continue;
            }
            string normalized = _normalizer?.Normalize(raw!) ?? raw!;
            foreach (var (inner, piece, start) in _normalizedTokens.Split(normalized))
            {
                if (inner is not null)
                {
                    ids.Add(inner.Id);
                    continue;
                }
                var pieces = _preTokenizer?.Apply([piece!], firstAtStart: rawStart == 0 && start == 0) ?? [piece!];
                foreach (var p in pieces)
                {
                    _model.Encode(p, ids);
                }
            }
        }
        return [.. ids];
    }

    /// <inheritdoc/>
    public override string Decode(ReadOnlySpan<int> ids, bool skipSpecial)
    {
        var tokens = new List<string>(ids.Length);
        foreach (int id in ids)
        {
            if (_addedById.TryGetValue(id, out var added))
            {
                if (!(skipSpecial && added.Special))
                {
                    tokens.Add(added.Content);
                }
            }
            else
            {
                tokens.Add(_model.Tokens[id]);
            }
        }
        return _decoder is null ? string.Join(' ', tokens) : string.Concat(_decoder.Decode(tokens));
    }

    /// <inheritdoc/>
    public override bool IsKnown(int id) => _addedById.ContainsKey(id) || _model.Tokens.ContainsKey(id);

    /// <inheritdoc/>
    public override int? IdOf(string token)
        => _addedByContent.TryGetValue(token, out var added) ? added.Id : _model.Vocabulary.TryGetValue(token, out int id) ? id : null;
}
