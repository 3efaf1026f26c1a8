using System.Text.Json.Nodes;
using PRoLoRA.Native.Tests.IO;
using PRoLoRA.Native.Tests.Support;
using PRoLoRA.Native.Text;
using static PRoLoRA.Native.Tests.Text.TokenizerFiles;

namespace PRoLoRA.Native.Tests.Text;

/// <summary>Byte-level BPE tokenizer.json files (Llama 3, GPT-2, SmolLM kinds), hand-made.</summary>
public class ByteLevelBpeTests
{
    private static ITokenizer Load(JsonObject tokenizer, params (string, JsonNode)[] others)
    {
        using var folder = new TempFolder();
        return Tokenizers.Load(Write(folder, tokenizer, others));
    }

    private static int Id(ITokenizer t, string text) => t.Encode(text, addSpecialTokens: false).Single();

    [Test]
    public void MergesApplyByRank()
    {
        var bcFirst = Load(ByteLevelBpe([("b", "c"), ("a", "b")]));
        Assert.That(bcFirst.Encode("abc", false), Is.EqualTo(new[] { 'a', 256 }));
        var abFirst = Load(ByteLevelBpe([("a", "b"), ("b", "c")]));
        Assert.That(abFirst.Encode("abc", false), Is.EqualTo(new[] { 256, 'c' }));
    }

    [Test]
    public void EqualMergesGoLeftToRight()
    {
        var t = Load(ByteLevelBpe([("a", "a")]));
        Assert.That(t.Encode("aaa", false), Is.EqualTo(new[] { 256, 'a' }));
    }

    [Test]
    public void SpacesAndNewlinesAreBytes()
    {
        var t = Load(ByteLevelBpe([(" ", "t"), ("h", "e"), (" t", "he")]));
        Assert.That(t.Encode("he the\n", false), Is.EqualTo(new[] { Id(t, "he"), Id(t, " the"), '\n' }));
        Assert.That(t.Decode(t.Encode("he the\n\té😀")), Is.EqualTo("he the\n\té😀"));
        Assert.That(t.VocabularySize, Is.EqualTo(259));
    }

    [Test]
    public void IgnoreMergesTakesAPieceThatIsAToken()
    {
        // "abc" is a token, but the merges make "ab" + "c" of it.
        var plain = Load(ByteLevelBpe([("a", "b")], extraTokens: ["abc"]));
        Assert.That(plain.Encode("abc", false), Is.EqualTo(new[] { 256, 'c' }));
        var ignoring = Load(ByteLevelBpe([("a", "b")], ignoreMerges: true, extraTokens: ["abc"]));
        Assert.That(ignoring.Encode("abc", false), Is.EqualTo(new[] { 257 }));
    }

    [Test]
    public void CharactersOutsideTheBmpSplitAsCodePoints()
    {
        // Llama 3's pattern keeps "😀abc" whole (one non-letter, then letters) and " 𝐀bc" too (𝐀 is a letter);
        // .NET's regex alone would split both between surrogates. With ignore_merges each whole piece is one token.
        var t = Load(ByteLevelBpe([], ignoreMerges: true, extraTokens: ["😀abc", " 𝐀bc"]));
        Assert.That(t.Encode("😀abc 𝐀bc", false), Is.EqualTo(new[] { 256, 257 }));
        Assert.That(t.Decode([256, 257]), Is.EqualTo("😀abc 𝐀bc"));
    }

    [Test]
    public void SpecialTokensInTheTextBecomeTheirIds()
    {
        var t = Load(ByteLevelBpe([], addedTokens: [Added(300, "<|eot|>", special: true), Added(301, "<pad>", special: true, lstrip: true, rstrip: true)]));
        Assert.That(t.Encode("a<|eot|>b", false), Is.EqualTo(new[] { 'a', 300, 'b' }));
        Assert.That(t.Encode("a <pad> b", false), Is.EqualTo(new[] { 'a', 301, 'b' }), "lstrip and rstrip take the spaces beside");
        Assert.That(t.Decode([97, 300, 98]), Is.EqualTo("ab"));
        Assert.That(t.Decode([97, 300, 98], skipSpecial: false), Is.EqualTo("a<|eot|>b"));
        Assert.That(t.VocabularySize, Is.EqualTo(302));
    }

    [Test]
    public void SingleWordTokensMatchWholeWordsOnly()
    {
        var t = Load(ByteLevelBpe([], preTokenizer: JsonNode.Parse("""{"type":"ByteLevel","add_prefix_space":false,"use_regex":true}"""), addedTokens: [Added(300, "cat", singleWord: true)]));
        Assert.That(t.Encode("a cat", false), Is.EqualTo(new[] { 'a', ' ', 300 }));
        Assert.That(t.Encode("cats", false), Is.EqualTo(new[] { 'c', 'a', 't', 's' }));
    }

    [Test]
    public void TemplateAndConfigAddBosAndEos()
    {
        var json = ByteLevelBpe([], addedTokens: [Added(300, "<bos>", special: true), Added(301, "<eos>", special: true)]);
        json["post_processor"] = JsonNode.Parse("""{"type":"Sequence","processors":[{"type":"ByteLevel"},{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<bos>","type_id":0}},{"Sequence":{"id":"A","type_id":0}}],"pair":[],"special_tokens":{"<bos>":{"id":"<bos>","ids":[300],"tokens":["<bos>"]}}}]}""");
        var t = Load(json);
        Assert.That((t.BosId, t.AddsBos, t.EosId, t.AddsEos), Is.EqualTo((300, true, (int?)null, false)));
        Assert.That(t.Encode("a"), Is.EqualTo(new[] { 300, 'a' }));
        Assert.That(t.Encode("a", addSpecialTokens: false), Is.EqualTo(new[] { 'a' }));
        var configured = Load(json, ("tokenizer_config.json", JsonNode.Parse("""{"add_bos_token":false,"add_eos_token":true,"eos_token":{"content":"<eos>"}}""")!));
        Assert.That(configured.Encode("a"), Is.EqualTo(new[] { 'a', 301 }));
    }
}
