using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace PRoLoRA.Native.Text.Json;

/// <summary>
/// A tokenizer.json regular expression (written for Oniguruma, which matches code points) run by
/// .NET's engine (which matches UTF-16 units). The two differ on characters outside the BMP: to .NET
/// the halves of 😀 or 𝐀 are surrogates, not a symbol or a letter, so <c>[^\r\n\p{L}\p{N}]?\p{L}+</c>
/// splits "😀abc" between the halves of the emoji where the Rust tokenizers keep "😀abc" whole.
/// Each supplementary code point is therefore matched as a stand-in BMP character of the same
/// Unicode category, and the matches are mapped back. (Microsoft.ML.Tokenizers' RegexPreTokenizer
/// runs .NET's regex on the raw UTF-16 text, which is why it is not used here.) A pattern that names
/// supplementary characters itself is refused. Matching has a time limit, since the pattern comes from
/// a file: catastrophic backtracking is an <see cref="InvalidDataException"/>, not a hang.
/// </summary>
internal sealed class CodePointRegex
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private static readonly char[] StandIns = BuildStandIns();
    private readonly Regex _regex;
    private readonly string _where;

    private CodePointRegex(Regex regex, string where)
    {
        _regex = regex;
        _where = where;
    }

    /// <summary>The pattern of <paramref name="field"/> (a string), compiled with Oniguruma's defaults (line anchors, culture-invariant).</summary>
    public static CodePointRegex Parse(IO.Input.JsonField field)
    {
        string pattern = field.String();
        if (pattern.Any(char.IsSurrogate) || pattern.Contains(@"\x{", StringComparison.Ordinal) || pattern.Contains(@"\U", StringComparison.Ordinal))
        {
            throw field.Error("patterns that name characters outside the Basic Multilingual Plane are not supported");
        }
        try
        {
            return Create(pattern, $"{field.Source}: {field.Where}");
        }
        catch (ArgumentException e)
        {
            throw field.Error($"pattern is not supported by .NET's regular expressions: {e.Message}");
        }
    }

    /// <summary>A built-in <paramref name="pattern"/>; <paramref name="where"/> names its use in messages.</summary>
    public static CodePointRegex Create(string pattern, string where)
        => new(new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.Multiline, Timeout), where);

    /// <summary>The matches in <paramref name="text"/> as (start, length) in UTF-16 units of <paramref name="text"/>, left to right, without overlap.</summary>
    public List<(int Start, int Length)> Matches(string text)
    {
        var (narrow, offsets) = Narrow(text);
        var found = new List<(int, int)>();
        try
        {
            for (var m = _regex.Match(narrow); m.Success; m = m.NextMatch())
            {
                if (m.Length > 0)
                {
                    found.Add((offsets[m.Index], offsets[m.Index + m.Length] - offsets[m.Index]));
                }
            }
        }
        catch (RegexMatchTimeoutException)
        {
            throw new InvalidDataException($"{_where}: the pattern took more than {Timeout.TotalSeconds} s on a text of {text.Length:N0} characters (catastrophic backtracking)");
        }
        return found;
    }

    /// <summary><paramref name="text"/> with every surrogate pair replaced by its stand-in, and where each unit of the result starts in <paramref name="text"/> (plus the end).</summary>
    private static (string Narrow, int[] Offsets) Narrow(string text)
    {
        var offsets = new List<int>(text.Length + 1);
        var narrow = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length;)
        {
            offsets.Add(i);
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out int used) == System.Buffers.OperationStatus.Done && used == 2)
            {
                narrow.Append(StandIns[(int)Rune.GetUnicodeCategory(rune)]);
            }
            else
            {
                narrow.Append(text[i]);
            }
            i += Math.Max(used, 1);
        }
        offsets.Add(text.Length);
        return (narrow.ToString(), [.. offsets]);
    }

    /// <summary>For each Unicode category, a BMP character of that category from the top of the plane (compatibility forms, specials and private use: characters no pre-tokenizer pattern names).</summary>
    private static char[] BuildStandIns()
    {
        var standIns = new char[32];
        var found = new bool[32];
        for (int c = 0xFFFF; c >= 0x80; c--)
        {
            if (c is >= 0xD800 and <= 0xDFFF)
            {
                continue;
            }
            int category = (int)CharUnicodeInfo.GetUnicodeCategory((char)c);
            if (!found[category])
            {
                found[category] = true;
                standIns[category] = (char)c;
            }
        }
        return standIns;
    }
}
