namespace PRoLoRA.Native.Text;

/// <summary>
/// A tokenizer file read (tokenizer.json or tokenizer.model): encoding without the special tokens a
/// checkpoint adds around a text, decoding, and what the file itself says about BOS and EOS.
/// <see cref="CheckpointTokenizer"/> adds the rest of the folder's settings.
/// </summary>
internal abstract class TokenizerCore
{
    /// <summary>The file, as messages name it.</summary>
    public abstract string Source { get; }

    /// <summary>One more than the largest id.</summary>
    public abstract int VocabularySize { get; }

    /// <summary>The ids the file itself adds before an encoded text (a post-processor template; SentencePiece's bos).</summary>
    public abstract int[] Prefix { get; }

    /// <summary>The ids the file itself adds after an encoded text.</summary>
    public abstract int[] Suffix { get; }

    /// <summary>The file's own end-of-sequence id, when it has one (SentencePiece's eos_id).</summary>
    public abstract int? DefaultEosId { get; }

    /// <summary>The ids of <paramref name="text"/>, without a prefix or suffix.</summary>
    public abstract int[] EncodeText(string text);

    /// <summary>The text of <paramref name="ids"/> (all in range: checked by the caller).</summary>
    public abstract string Decode(ReadOnlySpan<int> ids, bool skipSpecial);

    /// <summary>Whether <paramref name="id"/> is a token of the file.</summary>
    public abstract bool IsKnown(int id);

    /// <summary>The id of <paramref name="token"/> (added tokens first), or null.</summary>
    public abstract int? IdOf(string token);
}
