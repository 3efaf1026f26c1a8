using System.Text.Json.Nodes;
using PRoLoRA.Native.Tests.IO;
using PRoLoRA.Native.Tests.Support;
using PRoLoRA.Native.Text;
using static PRoLoRA.Native.Tests.Text.TokenizerFiles;

namespace PRoLoRA.Native.Tests.Text;

/// <summary>BOS and EOS from tokenizer_config.json, generation_config.json and config.json; the API's edges.</summary>
public class SpecialTokenTests
{
    private static readonly JsonArray Specials = [Added(300, "<s>", special: true), Added(301, "</s>", special: true), Added(302, "<|eot|>", special: true)];

    private static ITokenizer Load(params (string, string)[] others)
    {
        using var folder = new TempFolder();
        return Tokenizers.Load(Write(folder, ByteLevelBpe([], addedTokens: Specials.DeepClone().AsArray()), [.. others.Select(o => (o.Item1, JsonNode.Parse(o.Item2)!))]));
    }

    [Test]
    public void WithoutSettingsThereIsNoBosOrEos()
    {
        var t = Load();
        Assert.That((t.BosId, t.EosId, t.EosIds, t.AddsBos, t.AddsEos), Is.EqualTo(((int?)null, (int?)null, Array.Empty<int>(), false, false)));
    }

    [Test]
    public void TokenizerConfigNamesAndAddsThem()
    {
        var t = Load(("tokenizer_config.json", """{"bos_token":{"__type":"AddedToken","content":"<s>"},"eos_token":"</s>","add_bos_token":true,"add_eos_token":true}"""));
        Assert.That((t.BosId, t.EosId, t.AddsBos, t.AddsEos), Is.EqualTo(((int?)300, (int?)301, true, true)));
        Assert.That(t.Encode("a"), Is.EqualTo(new[] { 300, 'a', 301 }));
    }

    [Test]
    public void GenerationConfigAndConfigGiveIdsAndEveryStopId()
    {
        var t = Load(
            ("tokenizer_config.json", """{"eos_token":"</s>"}"""),
            ("generation_config.json", """{"bos_token_id":300,"eos_token_id":[301,302]}"""),
            ("config.json", """{"bos_token_id":300,"eos_token_id":302}"""));
        Assert.That((t.BosId, t.EosId), Is.EqualTo(((int?)300, (int?)301)));
        Assert.That(t.EosIds, Is.EqualTo(new[] { 301, 302 }));
        Assert.That(t.AddsBos, Is.False, "naming a bos does not add it");
    }

    [Test]
    public void ConfigJsonAloneGivesTheIds()
    {
        var t = Load(("config.json", """{"bos_token_id":300,"eos_token_id":301}"""));
        Assert.That((t.BosId, t.EosId, t.EosIds), Is.EqualTo(((int?)300, (int?)301, new[] { 301 })));
    }

    [TestCase("tokenizer_config.json", """{"bos_token":"<nope>"}""", "tokenizer_config.json: bos_token: '<nope>' is not a token")]
    [TestCase("tokenizer_config.json", """{"eos_token":{"content":7}}""", "tokenizer_config.json: eos_token.content: must be a string")]
    [TestCase("tokenizer_config.json", """{"add_bos_token":true}""", "tokenizer_config.json: add_bos_token: is true, but the checkpoint names no bos token")]
    [TestCase("tokenizer_config.json", """{"add_eos_token":"yes"}""", "tokenizer_config.json: add_eos_token: must be true or false")]
    [TestCase("config.json", """{"eos_token_id":[301,999]}""", "config.json: eos_token_id[1]: id 999 is not a token")]
    [TestCase("generation_config.json", """{"bos_token_id":-1}""", "generation_config.json: bos_token_id: must be a whole number in [0,")]
    [TestCase("config.json", """[1]""", "config.json: must be a JSON object")]
    public void BadSettingsNameTheFileAndField(string file, string json, string message)
    {
        var e = Assert.Throws<InvalidDataException>(() => Load((file, json)));
        Assert.That(e!.Message, Does.Contain(message));
    }

    [Test]
    public void DecodingAnUnknownIdIsAnArgumentError()
    {
        var t = Load();
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Decode([5, 303]));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Decode([-1]));
    }

    [Test]
    public void LoneSurrogatesAreEncodedAsReplacementCharacters()
    {
        var t = Load();
        Assert.That(t.Encode("a\uD800b", false), Is.EqualTo(t.Encode("a\uFFFDb", false)));
        Assert.That(t.Decode(t.Encode("a\uDC00")), Is.EqualTo("a\uFFFD"));
    }
}
