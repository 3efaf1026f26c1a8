namespace PRoLoRA.Native.Text;

/// <summary>
/// A checkpoint's tokenizer: text to token ids and back, as the Hugging Face tokenizer of the same
/// folder does it (see <see cref="Tokenizers.Load"/>). Instances are immutable and safe to use from
/// several threads.
/// </summary>
public interface ITokenizer
{
    /// <summary>One more than the largest id the tokenizer knows (its vocabulary and added tokens): the fewest embedding rows a model needs.</summary>
    int VocabularySize { get; }

    /// <summary>The beginning-of-sequence token's id, when the checkpoint names one.</summary>
    int? BosId { get; }

    /// <summary>The end-of-sequence token's id, when the checkpoint names one (the tokenizer's own eos token first).</summary>
    int? EosId { get; }

    /// <summary>Every id that ends a generated sequence: <see cref="EosId"/> and the eos_token_id(s) of generation_config.json and config.json, without repeats.</summary>
    IReadOnlyList<int> EosIds { get; }

    /// <summary>Whether <see cref="Encode"/> with special tokens prepends <see cref="BosId"/> (tokenizer_config.json's add_bos_token, else the tokenizer's own template).</summary>
    bool AddsBos { get; }

    /// <summary>Whether <see cref="Encode"/> with special tokens appends <see cref="EosId"/> (tokenizer_config.json's add_eos_token, else the tokenizer's own template).</summary>
    bool AddsEos { get; }

    /// <summary>
    /// The ids of <paramref name="text"/>. With <paramref name="addSpecialTokens"/> the checkpoint's
    /// BOS (and EOS) are added where <see cref="AddsBos"/> (and <see cref="AddsEos"/>) say so, as
    /// Hugging Face's <c>add_special_tokens=True</c> does. Special and added tokens written in the
    /// text (such as <c>&lt;|eot_id|&gt;</c>) become their ids, as in Hugging Face's tokenizers.
    /// A lone UTF-16 surrogate in <paramref name="text"/> is read as U+FFFD.
    /// </summary>
    int[] Encode(string text, bool addSpecialTokens = true);

    /// <summary>
    /// The text of <paramref name="ids"/>; with <paramref name="skipSpecial"/> special tokens (BOS,
    /// EOS, padding and the like) are left out. Byte sequences that are not valid UTF-8 become U+FFFD.
    /// An id outside [0, <see cref="VocabularySize"/>) that the tokenizer does not know is an
    /// <see cref="ArgumentOutOfRangeException"/>.
    /// </summary>
    string Decode(ReadOnlySpan<int> ids, bool skipSpecial = true);
}
