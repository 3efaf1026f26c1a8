using System.Text.Json.Nodes;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Tests.IO;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Models;

public class LlamaConfigTests
{
    [Test]
    public void TheReferenceConfigs_Load()
    {
        var mha = LlamaConfig.Load(LlamaGolden.Model("mha"));
        Assert.That((mha.HiddenSize, mha.Heads, mha.KvHeads, mha.HeadDim, mha.VocabularySize, mha.TieWordEmbeddings), Is.EqualTo((32, 4, 4, 8, 97, false)));
        var gqa = LlamaConfig.Load(LlamaGolden.Model("gqa8x2"));
        Assert.That((gqa.Heads, gqa.KvHeads, gqa.HeadDim, gqa.GroupSize, gqa.RopeTheta, gqa.TieWordEmbeddings, gqa.RmsNormEps), Is.EqualTo((8, 2, 6, 4, 100000f, true, 1e-5f)));
    }

    private static IEnumerable<TestCaseData> BadConfigs()
    {
        TestCaseData Case(string name, Action<JsonObject> spoil, string problem) => new TestCaseData(spoil, problem).SetName($"LlamaConfig_Rejects_{name}");
        yield return Case("AnotherArchitecture", c => c["model_type"] = "mistral", "model_type: is \"mistral\"");
        yield return Case("AnotherActivation", c => c["hidden_act"] = "gelu", "hidden_act: is \"gelu\"");
        yield return Case("KvHeadsThatDoNotDivide", c => c["num_key_value_heads"] = 3, "num_key_value_heads: is 3, which does not divide");
        yield return Case("DynamicRopeScaling", c => c["rope_scaling"] = new JsonObject { ["type"] = "dynamic", ["factor"] = 2.0 }, "rope type \"dynamic\"");
        yield return Case("MissingHiddenSize", c => c.Remove("hidden_size"), "field 'hidden_size' is missing");
        yield return Case("HiddenSizeAString", c => c["hidden_size"] = "32", "hidden_size: must be a whole number >= 1");
    }

    [TestCaseSource(nameof(BadConfigs))]
    public void BadConfigs_AreRefusedNamingTheField(Action<JsonObject> spoil, string problem)
    {
        using var dir = new TempFolder();
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(LlamaGolden.Model("mha"), LlamaConfig.FileName)))!.AsObject();
        spoil(config);
        File.WriteAllText(dir.File(LlamaConfig.FileName), config.ToJsonString());
        Assert.That(() => LlamaConfig.Load(dir.Path), Throws.TypeOf<InvalidDataException>().With.Message.Contains(problem).And.Message.Contains(LlamaConfig.FileName));
    }

    [Test]
    public void LinearRopeScaling_AndRopeParameters_AreRead()
    {
        using var dir = new TempFolder();
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(LlamaGolden.Model("mha"), LlamaConfig.FileName)))!.AsObject();
        config["rope_scaling"] = new JsonObject { ["rope_type"] = "linear", ["factor"] = 4.0 };
        File.WriteAllText(dir.File(LlamaConfig.FileName), config.ToJsonString());
        Assert.That(LlamaConfig.Load(dir.Path).RopeScale, Is.EqualTo(4f));
        config.Remove("rope_scaling");
        config.Remove("rope_theta");
        config["rope_parameters"] = new JsonObject { ["rope_type"] = "default", ["rope_theta"] = 500000.0 };
        File.WriteAllText(dir.File(LlamaConfig.FileName), config.ToJsonString());
        Assert.That(LlamaConfig.Load(dir.Path).RopeTheta, Is.EqualTo(500000f));
    }
}
