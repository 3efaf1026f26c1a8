using System.Text.Json.Nodes;
using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Tensors;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.IO;

public class PeftExportTests
{
    [Test]
    public void TheExportedAAndB_AreTheLayersMaterializedMatrices()
    {
        using var dir = new TempFolder();
        var adapters = TestAdapters.Mixed();
        try
        {
            PeftLoraExport.Save(dir.Path, adapters);
            using var file = SafetensorsFile.Open(dir.File(AdapterKeys.WeightsFile));
            Assert.That(file.Tensors, Has.Count.EqualTo(2 * adapters.Count));
            foreach (var (module, adapter) in adapters)
            {
                var c = adapter.Config;
                using var a = adapter.MaterializeA();
                using var b = adapter.MaterializeB();
                Assert.That(file.Info(AdapterKeys.LoraA(module)).Shape, Is.EqualTo(new Shape(c.Rank, c.InFeatures)));
                Assert.That(file.Info(AdapterKeys.LoraB(module)).Shape, Is.EqualTo(new Shape(c.OutFeatures, c.Rank)));
                Assert.That(file.ReadFloat32(AdapterKeys.LoraA(module)), Is.EqualTo(a.ToArray()), module);
                Assert.That(file.ReadFloat32(AdapterKeys.LoraB(module)), Is.EqualTo(b.ToArray()), module);
            }
        }
        finally
        {
            TestAdapters.DisposeAll(adapters);
        }
    }

    [Test]
    public void TheConfig_IsAPeftLoraConfig_WithRankAndAlphaPatternsForDifferingModules()
    {
        using var dir = new TempFolder();
        var adapters = new Dictionary<string, ProLoraAdapter>
        {
            ["model.layers.0.self_attn.q_proj"] = TestAdapters.Random(ProLoraConfig.ProLora(16, 16, 4, 1, 2, 2) with { Dropout = 0.1f }, 1),
            ["model.layers.0.self_attn.v_proj"] = TestAdapters.Random(ProLoraConfig.ProLora(16, 16, 8, 1, 2, 2, loraAlpha: 32f), 2),
        };
        PeftLoraExport.Save(dir.Path, adapters, baseModelNameOrPath: "meta-llama/Llama-2-7b-hf");
        TestAdapters.DisposeAll(adapters);
        var root = JsonNode.Parse(File.ReadAllText(dir.File(AdapterKeys.ConfigFile)))!.AsObject();
        Assert.That((string?)root["peft_type"], Is.EqualTo("LORA"));
        Assert.That((int?)root["r"], Is.EqualTo(4));
        Assert.That((float?)root["lora_alpha"], Is.EqualTo(16f));
        Assert.That((float?)root["lora_dropout"], Is.EqualTo(0.1f));
        Assert.That((bool?)root["use_rslora"], Is.False);
        Assert.That((bool?)root["fan_in_fan_out"], Is.False);
        Assert.That((string?)root["bias"], Is.EqualTo("none"));
        Assert.That((string?)root["task_type"], Is.EqualTo("CAUSAL_LM"));
        Assert.That((string?)root["base_model_name_or_path"], Is.EqualTo("meta-llama/Llama-2-7b-hf"));
        Assert.That(root["target_modules"]!.AsArray().Select(n => (string?)n), Is.EqualTo(new[] { "q_proj", "v_proj" }));
        Assert.That((int?)root["rank_pattern"]!["model.layers.0.self_attn.v_proj"], Is.EqualTo(8));
        Assert.That((float?)root["alpha_pattern"]!["model.layers.0.self_attn.v_proj"], Is.EqualTo(32f));
        Assert.That(root["rank_pattern"]!.AsObject(), Has.Count.EqualTo(1));
    }

    [TestCase(SafetensorsDType.BF16, 1.0 / 256)]
    [TestCase(SafetensorsDType.F16, 1.0 / 2048)]
    public void HalfWidthExports_AreTheMatricesRounded(SafetensorsDType dtype, double relative)
    {
        using var dir = new TempFolder();
        using var adapter = TestAdapters.Random(ProLoraConfig.ProLora(16, 12, 8, 1, 2, 2), 5);
        PeftLoraExport.Save(dir.Path, new Dictionary<string, ProLoraAdapter> { ["m.o_proj"] = adapter }, dtype);
        using var file = SafetensorsFile.Open(dir.File(AdapterKeys.WeightsFile));
        using var a = adapter.MaterializeA();
        Assert.That(file.Info(AdapterKeys.LoraA("m.o_proj")).DType, Is.EqualTo(dtype));
        var expected = a.ToArray();
        var actual = file.ReadFloat32(AdapterKeys.LoraA("m.o_proj"));
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(Math.Abs(expected[i]) * relative));
        }
    }

    [Test]
    public void MixedRsLora_CannotBeExpressedInPeft_AndIsRejected()
    {
        using var dir = new TempFolder();
        var adapters = new Dictionary<string, ProLoraAdapter>
        {
            ["m.q"] = TestAdapters.Random(ProLoraConfig.Lora(4, 4, 2), 1),
            ["m.k"] = TestAdapters.Random(ProLoraConfig.Lora(4, 4, 2) with { UseRsLora = true }, 2),
        };
        Assert.That(Assert.Throws<ArgumentException>(() => PeftLoraExport.Save(dir.Path, adapters))!.Message, Does.Contain("use_rslora"));
        TestAdapters.DisposeAll(adapters);
    }
}
