namespace PRoLoRA.Native.Text.Json;

/// <summary>
/// Finds added tokens in text, leftmost first and longest at a place, as the Rust tokenizers'
/// AddedVocabulary does: single_word tokens only between non-word characters, lstrip and rstrip ones
/// taking the whitespace beside them. The text between becomes text pieces.
/// </summary>
internal sealed class AddedTokenSplitter
{
    private readonly Dictionary<char, AddedToken[]> _byFirstChar;

    /// <summary>A splitter for <paramref name="tokens"/>.</summary>
    public AddedTokenSplitter(IEnumerable<AddedToken> tokens)
    {
        _byFirstChar = tokens.GroupBy(t => t.Content[0]).ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ToArray());
    }

    /// <summary>True when there is no token to find.</summary>
    public bool IsEmpty => _byFirstChar.Count == 0;

    /// <summary>
    /// <paramref name="text"/> as pieces in order: a token (Token set, Text null) or the text between
    /// (Token null), with where the piece starts in <paramref name="text"/>.
    /// </summary>
    public List<(AddedToken? Token, string? Text, int Start)> Split(string text)
    {
        var pieces = new List<(AddedToken?, string?, int)>();
        int textStart = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (!_byFirstChar.TryGetValue(text[i], out var candidates))
            {
                continue;
            }
            var token = candidates.FirstOrDefault(t => string.CompareOrdinal(text, i, t.Content, 0, t.Content.Length) == 0 && WordBounded(text, i, t));
            if (token is null)
            {
                continue;
            }
            int start = i;
            int end = i + token.Content.Length;
            if (token.LStrip)
            {
                while (start > textStart && char.IsWhiteSpace(text[start - 1]))
                {
                    start--;
                }
            }
            if (token.RStrip)
            {
                while (end < text.Length && char.IsWhiteSpace(text[end]))
                {
                    end++;
                }
            }
            if (start > textStart)
            {
                pieces.Add((null, text[textStart..start], textStart));
            }
            pieces.Add((token, null, start));
            textStart = end;
            i = end - 1;
        }
        if (textStart < text.Length)
        {
            pieces.Add((null, text[textStart..], textStart));
        }
        return pieces;
    }

    private static bool WordBounded(string text, int at, AddedToken token)
    {
        if (!token.SingleWord)
        {
            return true;
        }
        int end = at + token.Content.Length;
        return (at == 0 || !IsWordChar(text[at - 1])) && (end == text.Length || !IsWordChar(text[end]));
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';
}
