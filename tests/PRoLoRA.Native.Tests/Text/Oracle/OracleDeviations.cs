namespace PRoLoRA.Native.Tests.Text.Oracle;

/// <summary>
/// Where an oracle is known to differ from the Rust tokenizers (and so from us), each with the
/// reason. A difference the list covers is reported, not failed; an entry no difference uses fails,
/// so the list cannot go stale.
/// </summary>
internal static class OracleDeviations
{
    /// <summary>A difference on <paramref name="Text"/> in <paramref name="Aspect"/> ("ids", "ids with special tokens", "decoded"; "*": any).</summary>
    public sealed record Deviation(string Target, string Oracle, string Text, string Aspect, string Reason);

    private const string EmptyBos = "llama-tokenizer-js returns [] for an empty text even when asked for BOS; the Hugging Face tokenizers give [<s>] (Tokenizers.js agrees with us)";

    private const string AsciiDigits = "Tokenizers.js's Digits pre-tokenizer isolates ASCII digits only (JavaScript's \\d); the Rust tokenizers' Digits isolates every character for which char::is_numeric holds (Nd, Nl, No: ١, 𝟎, ①, Ⅻ), as ours does";

    /// <summary>The known differences.</summary>
    public static readonly Deviation[] All =
    [
        new("llama2-json", "llama-tokenizer-js", "", "ids with special tokens", EmptyBos),
        new("llama2-model", "llama-tokenizer-js", "", "ids with special tokens", EmptyBos),
        new("llama2-metaspace", "tokenizers.js", "   ", "decoded",
            "the Rust tokenizers' Metaspace decoder drops every ▁ of the first token (decoders: `if i == 0 && self.prepend_scheme != PrependScheme::Never { None }`), decoding the single token ▁▁▁ as \"\"; Tokenizers.js drops only the first"),
        new("smollm-style", "tokenizers.js", "العربية ١٢٣", "*", AsciiDigits),
        new("smollm-style", "tokenizers.js", "𝐀𝐁𝐂 𝒳 math letters 𝟎𝟏", "*", AsciiDigits),
        new("smollm-style", "tokenizers.js", "ﬁ ligature, Ａｂｃ fullwidth, ①②③, Ⅻ", "*", AsciiDigits),
    ];

    /// <summary>The entry that covers a difference, or null.</summary>
    public static Deviation? Find(string target, string oracle, string text, string aspect)
        => All.FirstOrDefault(d => d.Target == target && d.Oracle == oracle && d.Text == text && (d.Aspect == "*" || d.Aspect == aspect));
}
