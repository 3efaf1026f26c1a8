using PRoLoRA.Native.IO.Input;

namespace PRoLoRA.Native.Text.Json;

/// <summary>
/// tokenizer.json's normalizer: what the SentencePiece-style files of Llama 2 and TinyLlama use
/// (Sequence, Prepend, Replace). Microsoft.ML.Tokenizers has no normalizer of this JSON form (its
/// SentencePieceNormalizer reads a tokenizer.model's spec), so these few are written here. Unicode
/// normalization (NFC, NFKC, ...) is refused: this build runs with invariant globalization, where
/// .NET cannot normalize.
/// </summary>
internal abstract class TextNormalizer
{
    /// <summary>The normalized form of <paramref name="text"/>.</summary>
    public abstract string Normalize(string text);

    /// <summary>The normalizer that <paramref name="field"/> (an object with a "type") describes.</summary>
    public static TextNormalizer Parse(JsonField field)
    {
        string type = field.Object()["type"].String();
        return type switch
        {
            "Sequence" => new Sequence([.. field["normalizers"].Items().Select(Parse)]),
            "Prepend" => new Prepend(field["prepend"].String()),
            "Replace" => new Replace(TextPattern.Parse(field["pattern"]), field["content"].String()),
            _ => throw field.Error($"the normalizer '{Printable.Text(type)}' is not supported (supported: Sequence, Prepend, Replace)"),
        };
    }

    private sealed class Sequence(TextNormalizer[] steps) : TextNormalizer
    {
        public override string Normalize(string text) => steps.Aggregate(text, (t, step) => step.Normalize(t));
    }

    /// <summary>Prepends to non-empty text only, as the Rust tokenizers do.</summary>
    private sealed class Prepend(string prefix) : TextNormalizer
    {
        public override string Normalize(string text) => text.Length == 0 ? text : prefix + text;
    }

    private sealed class Replace(TextPattern pattern, string content) : TextNormalizer
    {
        public override string Normalize(string text) => pattern.Replace(text, content);
    }
}
