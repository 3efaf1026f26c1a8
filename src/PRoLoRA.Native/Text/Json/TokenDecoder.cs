using System.Globalization;
using System.Text;
using PRoLoRA.Native.IO.Input;

namespace PRoLoRA.Native.Text.Json;

/// <summary>
/// tokenizer.json's decoder: turns the token strings of ids back into text, as the Rust tokenizers'
/// decode_chain does, step by step. The kinds LLaMA-family files use are here: ByteLevel (Llama 3,
/// GPT-2, SmolLM), and Replace, ByteFallback, Fuse, Strip and Metaspace (Llama 2, TinyLlama).
/// Microsoft.ML.Tokenizers decodes only as its own tokenizers encode, without these steps or
/// tokenizer.json's added tokens, so they are written here.
/// </summary>
internal abstract class TokenDecoder
{
    /// <summary>The tokens after this step.</summary>
    public abstract List<string> Decode(List<string> tokens);

    /// <summary>The decoder that <paramref name="field"/> (an object with a "type") describes.</summary>
    public static TokenDecoder Parse(JsonField field)
    {
        string type = field.Object()["type"].String();
        return type switch
        {
            "Sequence" => new Sequence([.. field["decoders"].Items().Select(Parse)]),
            "ByteLevel" => new ByteLevel(),
            "Replace" => new Replace(TextPattern.Parse(field["pattern"]), field["content"].String()),
            "ByteFallback" => new ByteFallback(),
            "Fuse" => new Fuse(),
            "Strip" => ParseStrip(field),
            "Metaspace" => ParseMetaspace(field),
            _ => throw field.Error($"the decoder '{Printable.Text(type)}' is not supported (supported: Sequence, ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace)"),
        };
    }

    private static Strip ParseStrip(JsonField field)
    {
        var content = field["content"];
        string c = content.String();
        return c.Length == 1
            ? new Strip(c[0], field["start"].Int32(0), field["stop"].Int32(0))
            : throw content.Error($"must be one character, got {content.Describe()}");
    }

    private static Metaspace ParseMetaspace(JsonField field)
    {
        var replacement = field["replacement"];
        string r = replacement.String();
        if (r.Length != 1)
        {
            throw replacement.Error($"must be one character, got {replacement.Describe()}");
        }
        string scheme = field.Optional("prepend_scheme")?.String() ?? (field.Optional("add_prefix_space")?.Bool() ?? true ? "always" : "never");
        return new Metaspace(r[0], scheme != "never");
    }

    private sealed class Sequence(TokenDecoder[] steps) : TokenDecoder
    {
        public override List<string> Decode(List<string> tokens) => steps.Aggregate(tokens, (t, step) => step.Decode(t));
    }

    /// <summary>All tokens' byte-level characters back to bytes, read as UTF-8; a token with a character outside the alphabet (an added token) counts as its own UTF-8.</summary>
    private sealed class ByteLevel : TokenDecoder
    {
        public override List<string> Decode(List<string> tokens)
        {
            var bytes = new List<byte>();
            foreach (var token in tokens)
            {
                if (!ByteLevelAlphabet.TryDecode(token, bytes))
                {
                    bytes.AddRange(Encoding.UTF8.GetBytes(token));
                }
            }
            return [Encoding.UTF8.GetString([.. bytes])];
        }
    }

    private sealed class Replace(TextPattern pattern, string content) : TokenDecoder
    {
        public override List<string> Decode(List<string> tokens) => tokens.ConvertAll(t => pattern.Replace(t, content));
    }

    /// <summary>Runs of byte tokens (&lt;0xE6&gt;) become their UTF-8 text, or one U+FFFD per byte when the run is not valid UTF-8.</summary>
    private sealed class ByteFallback : TokenDecoder
    {
        private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        public override List<string> Decode(List<string> tokens)
        {
            var result = new List<string>(tokens.Count);
            var run = new List<byte>();
            foreach (var token in tokens)
            {
                if (token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
                    && byte.TryParse(token.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b))
                {
                    run.Add(b);
                    continue;
                }
                Flush(run, result);
                result.Add(token);
            }
            Flush(run, result);
            return result;
        }

        private static void Flush(List<byte> run, List<string> into)
        {
            if (run.Count == 0)
            {
                return;
            }
            try
            {
                into.Add(Strict.GetString([.. run]));
            }
            catch (DecoderFallbackException)
            {
                into.AddRange(Enumerable.Repeat("\uFFFD", run.Count));
            }
            run.Clear();
        }
    }

    private sealed class Fuse : TokenDecoder
    {
        public override List<string> Decode(List<string> tokens) => [string.Concat(tokens)];
    }

    /// <summary>Removes up to <paramref name="start"/> leading and <paramref name="stop"/> trailing <paramref name="content"/> characters from every token.</summary>
    private sealed class Strip(char content, int start, int stop) : TokenDecoder
    {
        public override List<string> Decode(List<string> tokens) => tokens.ConvertAll(token =>
        {
            int from = 0;
            while (from < Math.Min(start, token.Length) && token[from] == content)
            {
                from++;
            }
            int to = token.Length;
            while (token.Length - to < stop && to > from && token[to - 1] == content)
            {
                to--;
            }
            return token[from..to];
        });
    }

    /// <summary>The replacement becomes a space, except in the first token when a prefix was prepended, where the Rust tokenizers drop it.</summary>
    private sealed class Metaspace(char replacement, bool prepends) : TokenDecoder
    {
        public override List<string> Decode(List<string> tokens)
            => [.. tokens.Select((t, i) => i == 0 && prepends ? t.Replace(replacement.ToString(), "", StringComparison.Ordinal) : t.Replace(replacement, ' '))];
    }
}
