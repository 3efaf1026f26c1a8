using System.Text.Json.Nodes;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Tests.IO;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Models;

public class PeftLoraFolderTests
{
    [Test]
    public void APeftLoraFolder_LoadsAsLoraAdapters_WithTheFilesAAndB()
    {
        var folder = Path.Combine(LlamaGolden.Case("mha"), "peft_lora");
        var adapters = PeftLoraFolder.Load(folder, CpuBackend.Instance);
        Assert.That(adapters.Keys, Is.EquivalentTo(new[] { "model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj", "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj" }));
        using var file = SafetensorsFile.Open(Path.Combine(folder, AdapterKeys.WeightsFile));
        foreach (var (module, adapter) in adapters)
        {
            Assert.That(adapter.Config.Rank, Is.EqualTo(4));
            Assert.That(adapter.Config.UnsharedRank, Is.EqualTo(4), "LoRA: every rank unshared");
            Assert.That(adapter.Config.Scaling, Is.EqualTo(2f), "lora_alpha 8 / r 4");
            using var a = adapter.MaterializeA();
            using var b = adapter.MaterializeB();
            Assert.That(a.ToArray(), Is.EqualTo(file.ReadFloat32(AdapterKeys.LoraA(module))), module);
            Assert.That(b.ToArray(), Is.EqualTo(file.ReadFloat32(AdapterKeys.LoraB(module))), module);
        }
        TestAdapters.DisposeAll(adapters);
    }

    [Test]
    public void RankAndAlphaPatterns_ApplyAsPeftMatchesThem()
    {
        using var dir = new TempFolder();
        var source = Path.Combine(LlamaGolden.Case("mha"), "peft_lora");
        File.Copy(Path.Combine(source, AdapterKeys.WeightsFile), dir.File(AdapterKeys.WeightsFile));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(source, AdapterKeys.ConfigFile)))!.AsObject();
        config["alpha_pattern"] = new JsonObject { ["layers.1.self_attn.v_proj"] = 32.0 };
        File.WriteAllText(dir.File(AdapterKeys.ConfigFile), config.ToJsonString());
        var adapters = PeftLoraFolder.Load(dir.Path, CpuBackend.Instance);
        Assert.That(adapters["model.layers.1.self_attn.v_proj"].Config.LoraAlpha, Is.EqualTo(32f));
        Assert.That(adapters["model.layers.0.self_attn.v_proj"].Config.LoraAlpha, Is.EqualTo(8f));
        TestAdapters.DisposeAll(adapters);
    }

    [TestCase("use_dora", "true", "DoRA")]
    [TestCase("peft_type", "\"PROLORA\"", "expected \"LORA\"")]
    [TestCase("r", "5", "but r is 5")]
    [TestCase("bias", "\"all\"", "only \"none\"")]
    public void WhatPeftLoraCannotExpressHere_IsRefused(string field, string json, string problem)
    {
        using var dir = new TempFolder();
        var source = Path.Combine(LlamaGolden.Case("mha"), "peft_lora");
        File.Copy(Path.Combine(source, AdapterKeys.WeightsFile), dir.File(AdapterKeys.WeightsFile));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(source, AdapterKeys.ConfigFile)))!.AsObject();
        config[field] = JsonNode.Parse(json);
        File.WriteAllText(dir.File(AdapterKeys.ConfigFile), config.ToJsonString());
        Assert.That(() => PeftLoraFolder.Load(dir.Path, CpuBackend.Instance), Throws.TypeOf<InvalidDataException>().With.Message.Contains(problem));
    }
}
