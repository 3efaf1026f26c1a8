using System.Globalization;
using System.Text;
using PRoLoRA.Native.IO.Input;

namespace PRoLoRA.Native.Text.Json;

/// <summary>
/// tokenizer.json's pre_tokenizer: splits text into the pieces that BPE encodes one by one. The
/// kinds LLaMA-family files use are here: Split with a regex and ByteLevel (Llama 3, GPT-2), Digits
/// (SmolLM), Metaspace (newer Llama 2 / TinyLlama conversions), and Sequence. They are written here
/// because Microsoft.ML.Tokenizers has no reader for this JSON form, and its regex pre-tokenizer
/// splits surrogate pairs (see <see cref="CodePointRegex"/>).
/// </summary>
internal abstract class PreTokenizer
{
    /// <summary>GPT-2's pattern, which ByteLevel with use_regex applies.</summary>
    private const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>
    /// Splits every piece of <paramref name="pieces"/> further; <paramref name="firstAtStart"/> tells
    /// whether the first piece starts the text (Metaspace's prepend_scheme "first").
    /// </summary>
    public abstract List<string> Apply(List<string> pieces, bool firstAtStart);

    /// <summary>The pre-tokenizer that <paramref name="field"/> (an object with a "type") describes.</summary>
    public static PreTokenizer Parse(JsonField field)
    {
        string type = field.Object()["type"].String();
        return type switch
        {
            "Sequence" => new Sequence([.. field["pretokenizers"].Items().Select(Parse)]),
            "Split" => new Split(TextPattern.Parse(field["pattern"]), ParseBehavior(field["behavior"]), field.Optional("invert")?.Bool() ?? false),
            "ByteLevel" => new ByteLevel(
                field.Optional("add_prefix_space")?.Bool() ?? true,
                field.Optional("use_regex")?.Bool() ?? true ? CodePointRegex.Create(Gpt2Pattern, $"{field.Source}: {field.Where}") : null),
            "Digits" => new Digits(field.Optional("individual_digits")?.Bool() ?? false),
            "Metaspace" => ParseMetaspace(field),
            _ => throw field.Error($"the pre-tokenizer '{Printable.Text(type)}' is not supported (supported: Sequence, Split, ByteLevel, Digits, Metaspace)"),
        };
    }

    /// <summary>How Split treats the matches.</summary>
    private enum Behavior
    {
        Removed,
        Isolated,
        MergedWithPrevious,
        MergedWithNext,
        Contiguous,
    }

    private static Behavior ParseBehavior(JsonField field)
        => Enum.TryParse<Behavior>(field.String(), ignoreCase: false, out var b) && Enum.IsDefined(b)
            ? b
            : throw field.Error($"must be one of {string.Join(", ", Enum.GetNames<Behavior>())}, got {field.Describe()}");

    private static PreTokenizer ParseMetaspace(JsonField field)
    {
        var replacement = field["replacement"];
        string symbol = replacement.String();
        if (symbol.Length != 1)
        {
            throw replacement.Error($"must be one character, got {replacement.Describe()}");
        }
        // Older files say add_prefix_space (true: always) instead of prepend_scheme.
        string scheme = field.Optional("prepend_scheme")?.String() ?? (field.Optional("add_prefix_space")?.Bool() ?? true ? "always" : "never");
        if (scheme is not ("always" or "first" or "never"))
        {
            throw field["prepend_scheme"].Error($"must be always, first or never, got {field["prepend_scheme"].Describe()}");
        }
        return new Metaspace(symbol[0], scheme, field.Optional("split")?.Bool() ?? true);
    }

    /// <summary>Splits <paramref name="text"/> at <paramref name="matches"/> as the Rust tokenizers' split with <paramref name="behavior"/> does; empty pieces are dropped.</summary>
    private static void SplitAt(string text, List<(int Start, int Length)> matches, Behavior behavior, bool invert, List<string> into)
    {
        // The whole text as (start, end, is the pattern) runs.
        var runs = new List<(int Start, int End, bool Match)>();
        int at = 0;
        foreach (var (start, length) in matches)
        {
            if (start > at)
            {
                runs.Add((at, start, invert));
            }
            runs.Add((start, start + length, !invert));
            at = start + length;
        }
        if (at < text.Length)
        {
            runs.Add((at, text.Length, invert));
        }
        if (behavior == Behavior.MergedWithNext)
        {
            runs.Reverse();
        }
        var pieces = new List<(int Start, int End)>();
        bool previousMatch = false;
        foreach (var (start, end, match) in runs)
        {
            bool merge = behavior switch
            {
                Behavior.MergedWithPrevious or Behavior.MergedWithNext => match && !previousMatch,
                Behavior.Contiguous => match == previousMatch,
                _ => false,
            };
            if (behavior == Behavior.Removed && match)
            {
                continue;
            }
            if (merge && pieces.Count > 0)
            {
                var last = pieces[^1];
                pieces[^1] = (Math.Min(last.Start, start), Math.Max(last.End, end));
            }
            else
            {
                pieces.Add((start, end));
            }
            previousMatch = match;
        }
        if (behavior == Behavior.MergedWithNext)
        {
            pieces.Reverse();
        }
        into.AddRange(pieces.Where(p => p.End > p.Start).Select(p => text[p.Start..p.End]));
    }

    private sealed class Sequence(PreTokenizer[] steps) : PreTokenizer
    {
        public override List<string> Apply(List<string> pieces, bool firstAtStart)
            => steps.Aggregate(pieces, (p, step) => step.Apply(p, firstAtStart));
    }

    private sealed class Split(TextPattern pattern, Behavior behavior, bool invert) : PreTokenizer
    {
        public override List<string> Apply(List<string> pieces, bool firstAtStart)
        {
            var result = new List<string>();
            foreach (var piece in pieces)
            {
                SplitAt(piece, pattern.Matches(piece), behavior, invert, result);
            }
            return result;
        }
    }

    /// <summary>Optionally a leading space and GPT-2's split, then every piece written in the byte-level alphabet.</summary>
    private sealed class ByteLevel(bool addPrefixSpace, CodePointRegex? regex) : PreTokenizer
    {
        public override List<string> Apply(List<string> pieces, bool firstAtStart)
        {
            var split = new List<string>();
            foreach (var p in pieces)
            {
                string piece = addPrefixSpace && !p.StartsWith(' ') ? " " + p : p;
                if (regex is null)
                {
                    split.Add(piece);
                }
                else
                {
                    SplitAt(piece, regex.Matches(piece), Behavior.Isolated, invert: false, split);
                }
            }
            return split.ConvertAll(ByteLevelAlphabet.Encode);
        }
    }

    /// <summary>Isolates numbers (characters of categories Nd, Nl, No, as Rust's char::is_numeric): each one, or each run.</summary>
    private sealed class Digits(bool individual) : PreTokenizer
    {
        public override List<string> Apply(List<string> pieces, bool firstAtStart)
        {
            var result = new List<string>();
            foreach (var piece in pieces)
            {
                var numbers = new List<(int Start, int Length)>();
                int i = 0;
                foreach (var rune in piece.EnumerateRunes())
                {
                    if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber)
                    {
                        if (!individual && numbers.Count > 0 && numbers[^1].Start + numbers[^1].Length == i)
                        {
                            numbers[^1] = (numbers[^1].Start, numbers[^1].Length + rune.Utf16SequenceLength);
                        }
                        else
                        {
                            numbers.Add((i, rune.Utf16SequenceLength));
                        }
                    }
                    i += rune.Utf16SequenceLength;
                }
                SplitAt(piece, numbers, Behavior.Isolated, invert: false, result);
            }
            return result;
        }
    }

    /// <summary>Spaces become the replacement (▁), which is prepended per the scheme; with split, each piece starts at a replacement.</summary>
    private sealed class Metaspace(char replacement, string scheme, bool split) : PreTokenizer
    {
        public override List<string> Apply(List<string> pieces, bool firstAtStart)
        {
            var result = new List<string>();
            for (int i = 0; i < pieces.Count; i++)
            {
                string piece = pieces[i].Replace(' ', replacement);
                bool prepend = scheme == "always" || (scheme == "first" && i == 0 && firstAtStart);
                if (prepend && !piece.StartsWith(replacement))
                {
                    piece = replacement + piece;
                }
                if (split)
                {
                    var marks = new List<(int, int)>();
                    for (int at = piece.IndexOf(replacement); at >= 0; at = piece.IndexOf(replacement, at + 1))
                    {
                        marks.Add((at, 1));
                    }
                    SplitAt(piece, marks, Behavior.MergedWithNext, invert: false, result);
                }
                else if (piece.Length > 0)
                {
                    result.Add(piece);
                }
            }
            return result;
        }
    }
}
