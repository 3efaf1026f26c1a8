using PRoLoRA.Native.Tests.IO;
using PRoLoRA.Native.Tests.Support;
using PRoLoRA.Native.Text;
using static PRoLoRA.Native.Tests.Text.SentencePieceModelWriter;

namespace PRoLoRA.Native.Tests.Text;

/// <summary>SentencePiece tokenizer.model files (Llama 2 kind: BPE with byte fallback), hand-made.</summary>
public class SentencePieceModelTests
{
    // Ids from 259: ▁ a b aa ▁a ab ▁ab.
    private static readonly (string, float)[] Normal = [("▁", -100), ("a", -100), ("b", -100), ("aa", -1), ("▁a", -2), ("ab", -3), ("▁ab", -4)];

    private static ITokenizer Load(byte[] model)
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("tokenizer.model"), model);
        return Tokenizers.Load(folder.Path);
    }

    [Test]
    public void TheHighestScoringMergeGoesFirstAndEqualScoresLeftmost()
    {
        var t = Load(Write(LlamaPieces(Normal)));
        // ▁ a a a: "aa" (-1) beats "▁a" (-2), leftmost first: ▁ [aa] a.
        Assert.That(t.Encode("aaa", false), Is.EqualTo(new[] { 259, 262, 260 }));
        // ▁ a b: "▁a" (-2) beats "ab" (-3); then ▁a b → ▁ab.
        Assert.That(t.Encode("ab", false), Is.EqualTo(new[] { 265 }));
        Assert.That(t.Encode("ab"), Is.EqualTo(new[] { 1, 265 }));
        Assert.That((t.BosId, t.EosId, t.AddsBos, t.VocabularySize), Is.EqualTo(((int?)1, (int?)2, true, 266)));
    }

    [Test]
    public void UnknownCharactersFallBackToBytes()
    {
        var t = Load(Write(LlamaPieces(Normal)));
        Assert.That(t.Encode("aé", false), Is.EqualTo(new[] { 263, 3 + 0xC3, 3 + 0xA9 }));
        Assert.That(t.Decode(t.Encode(" ab  é😀 ")), Is.EqualTo(" ab  é😀 "));
        Assert.That(t.Decode([263, 3 + 0xE2, 3 + 0x82, 260]), Is.EqualTo("a\uFFFD\uFFFDa"));
        Assert.That(t.Decode([1, 265, 2], skipSpecial: false), Is.EqualTo("<s>ab</s>"));
    }

    [Test]
    public void ExtraWhitespaceIsRemovedWhenTheModelSaysSo()
    {
        var t = Load(Write(LlamaPieces(Normal), new Settings(RemoveExtraWhitespaces: true)));
        Assert.That(t.Encode("  ab   ab  ", false), Is.EqualTo(t.Encode("ab ab", false)));
        Assert.That(t.Encode("   ", false), Is.Empty);
        Assert.That(t.Encode("b", false), Is.EqualTo(new[] { 259, 261 }));
    }

    [Test]
    public void WithoutBosTheTokenizerAddsNone()
    {
        var t = Load(Write(LlamaPieces(Normal), new Settings(BosId: -1)));
        Assert.That((t.BosId, t.AddsBos), Is.EqualTo(((int?)null, false)));
        Assert.That(t.Encode("ab"), Is.EqualTo(new[] { 265 }));
    }

    [Test]
    public void TokenizerJsonWinsOverTokenizerModel()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("tokenizer.model"), [1, 2, 3]);
        TokenizerFiles.Write(folder, TokenizerFiles.ByteLevelBpe([]));
        Assert.That(Tokenizers.Load(folder.Path).VocabularySize, Is.EqualTo(256));
    }
}
