using System.Text;
using PRoLoRA.Native.IO.Input;

namespace PRoLoRA.Native.Text.Json;

/// <summary>A tokenizer.json pattern, <c>{"String": "▁"}</c> (a literal) or <c>{"Regex": "\\s+"}</c>, as used by Replace and Split.</summary>
internal sealed class TextPattern
{
    private readonly string? _literal;
    private readonly CodePointRegex? _regex;

    private TextPattern(string? literal, CodePointRegex? regex)
    {
        _literal = literal;
        _regex = regex;
    }

    /// <summary>Reads the pattern object <paramref name="field"/>.</summary>
    public static TextPattern Parse(JsonField field)
    {
        var literal = field.Object().Optional("String");
        var regex = field.Optional("Regex");
        if ((literal is null) == (regex is null))
        {
            throw field.Error("must have exactly one of 'String' and 'Regex'");
        }
        if (literal is { } l)
        {
            string text = l.String();
            return text.Length > 0 ? new TextPattern(text, null) : throw l.Error("must not be empty");
        }
        return new TextPattern(null, CodePointRegex.Parse(regex!.Value));
    }

    /// <summary>The non-empty matches in <paramref name="text"/>, left to right, without overlap.</summary>
    public List<(int Start, int Length)> Matches(string text)
    {
        if (_regex is not null)
        {
            return _regex.Matches(text);
        }
        var found = new List<(int, int)>();
        for (int i = text.IndexOf(_literal!, StringComparison.Ordinal); i >= 0; i = text.IndexOf(_literal!, i + _literal!.Length, StringComparison.Ordinal))
        {
            found.Add((i, _literal!.Length));
        }
        return found;
    }

    /// <summary><paramref name="text"/> with every match replaced by <paramref name="content"/>.</summary>
    public string Replace(string text, string content)
    {
        var matches = Matches(text);
        if (matches.Count == 0)
        {
            return text;
        }
        var sb = new StringBuilder(text.Length);
        int at = 0;
        foreach (var (start, length) in matches)
        {
            sb.Append(text, at, start - at).Append(content);
            at = start + length;
        }
        return sb.Append(text, at, text.Length - at).ToString();
    }
}
