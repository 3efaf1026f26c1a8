using System.Text;

namespace PRoLoRA.Native.Text;

/// <summary>A tokenizer file with its folder's special-token settings: the <see cref="ITokenizer"/> that <see cref="Tokenizers.Load"/> returns.</summary>
internal sealed class CheckpointTokenizer(TokenizerCore core, SpecialTokenSettings settings) : ITokenizer
{
    /// <inheritdoc/>
    public int VocabularySize => core.VocabularySize;

    /// <inheritdoc/>
    public int? BosId => settings.BosId;

    /// <inheritdoc/>
    public int? EosId => settings.EosId;

    /// <inheritdoc/>
    public IReadOnlyList<int> EosIds => settings.EosIds;

    /// <inheritdoc/>
    public bool AddsBos => settings.Prefix.Length > 0;

    /// <inheritdoc/>
    public bool AddsEos => settings.Suffix.Length > 0;

    /// <inheritdoc/>
    public int[] Encode(string text, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        int[] ids = core.EncodeText(WellFormed(text));
        return addSpecialTokens ? [.. settings.Prefix, .. ids, .. settings.Suffix] : ids;
    }

    /// <inheritdoc/>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecial = true)
    {
        foreach (int id in ids)
        {
            if (!core.IsKnown(id))
            {
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"not a token id of {core.Source}");
            }
        }
        return core.Decode(ids, skipSpecial);
    }

    /// <summary><paramref name="text"/> with lone surrogates as U+FFFD (UTF-8 has no form for them).</summary>
    private static string WellFormed(string text)
        => !HasLoneSurrogate(text) ? text : Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text));

    private static bool HasLoneSurrogate(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }
        return false;
    }
}
