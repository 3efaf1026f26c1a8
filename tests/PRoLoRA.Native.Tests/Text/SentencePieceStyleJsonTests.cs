using System.Text.Json.Nodes;
using PRoLoRA.Native.Tests.IO;
using PRoLoRA.Native.Tests.Support;
using PRoLoRA.Native.Text;
using static PRoLoRA.Native.Tests.Text.TokenizerFiles;

namespace PRoLoRA.Native.Tests.Text;

/// <summary>SentencePiece-style tokenizer.json files (Llama 2, TinyLlama kinds: ▁ for spaces, byte fallback), hand-made.</summary>
public class SentencePieceStyleJsonTests
{
    private static readonly string[] Tokens = ["▁", "h", "e", "l", "o", "▁h", "ll", "▁he", "llo", "▁hello", "▁▁"];
    private static readonly (string, string)[] Merges = [("▁", "h"), ("l", "l"), ("▁h", "e"), ("ll", "o"), ("▁he", "llo"), ("▁", "▁")];

    private static ITokenizer Load(JsonObject tokenizer)
    {
        using var folder = new TempFolder();
        return Tokenizers.Load(Write(folder, tokenizer));
    }

    private static int Id(string token) => 259 + Array.IndexOf(Tokens, token);

    [Test]
    public void SpacesBecomeTheMetaSymbolAndBosComesFromTheTemplate()
    {
        var t = Load(SentencePieceStyle(Tokens, Merges));
        Assert.That(t.Encode("hello"), Is.EqualTo(new[] { 1, Id("▁hello") }));
        Assert.That(t.Encode("hello hello", false), Is.EqualTo(new[] { Id("▁hello"), Id("▁hello") }));
        Assert.That(t.Encode(" hello", false), Is.EqualTo(new[] { Id("▁"), Id("▁hello") }), "the prepended ▁ meets the text's own");
        Assert.That((t.BosId, t.AddsBos, t.VocabularySize), Is.EqualTo(((int?)1, true, 259 + Tokens.Length)));
        Assert.That(t.Encode("", true), Is.EqualTo(new[] { 1 }));
    }

    [Test]
    public void CharactersOutsideTheVocabularyFallBackToBytes()
    {
        var t = Load(SentencePieceStyle(Tokens, Merges));
        // é is not a token: its UTF-8 bytes C3 A9 are, at 3 + byte.
        Assert.That(t.Encode("hé", false), Is.EqualTo(new[] { Id("▁h"), 3 + 0xC3, 3 + 0xA9 }));
        Assert.That(t.Encode("hello😀hello", false), Is.EqualTo(new[] { Id("▁hello"), 3 + 0xF0, 3 + 0x9F, 3 + 0x98, 3 + 0x80, Id("h"), Id("e"), Id("llo") }));
        Assert.That(t.Decode(t.Encode("  héllo 😀 ")), Is.EqualTo("  héllo 😀 "));
    }

    [Test]
    public void WithoutByteTokensUnknownCharactersFuseIntoOneUnk()
    {
        var t = Load(SentencePieceStyle(Tokens, Merges, byteTokens: false));
        Assert.That(t.Encode("hé😀h", false), Is.EqualTo(new[] { Id("▁h") - 256, 0, Id("h") - 256 }));
    }

    [Test]
    public void DecodingInvalidUtf8GivesOneReplacementPerByte()
    {
        var t = Load(SentencePieceStyle(Tokens, Merges));
        Assert.That(t.Decode([Id("▁h"), 3 + 0xE2, 3 + 0x82, Id("e")]), Is.EqualTo("h\uFFFD\uFFFDe"));
        Assert.That(t.Decode([1, Id("▁hello"), 2]), Is.EqualTo("hello"));
        Assert.That(t.Decode([1, Id("▁hello"), 2], skipSpecial: false), Is.EqualTo("<s> hello</s>"));
    }

    [Test]
    public void SpecialTokensSplitTheTextBeforeNormalization()
    {
        // As in the Rust tokenizers (legacy Llama 2): each text piece gets its own prepended ▁.
        var t = Load(SentencePieceStyle(Tokens, Merges));
        Assert.That(t.Encode("<s>hello</s>", false), Is.EqualTo(new[] { 1, Id("▁hello"), 2 }));
    }

    [Test]
    public void MetaspacePreTokenizerPrependsOnlyAtTheStart()
    {
        var json = SentencePieceStyle(Tokens, Merges);
        json["normalizer"] = null;
        json["pre_tokenizer"] = JsonNode.Parse("""{"type":"Metaspace","replacement":"▁","prepend_scheme":"first","split":false}""");
        json["decoder"] = JsonNode.Parse("""{"type":"Sequence","decoders":[{"type":"Metaspace","replacement":"▁","prepend_scheme":"first","split":false},{"type":"ByteFallback"},{"type":"Fuse"}]}""");
        var t = Load(json);
        Assert.That(t.Encode("hello<s>hello", false), Is.EqualTo(new[] { Id("▁hello"), 1, Id("h"), Id("e"), Id("llo") }));
        Assert.That(t.Decode(t.Encode("hello hello")), Is.EqualTo("hello hello"));
    }
}
