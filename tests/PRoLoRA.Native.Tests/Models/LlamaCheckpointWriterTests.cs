using System.Text.Json;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Models.Llama;
using PRoLoRA.Native.Tests.IO;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Models;

/// <summary>LlamaCheckpointWriter: a saved model loads back to the same config, weights and logits.</summary>
public class LlamaCheckpointWriterTests
{
    private static IEnumerable<TestCaseData> Configs()
    {
        yield return new TestCaseData(TinyLlama.Tied).SetArgDisplayNames("tied");
        yield return new TestCaseData(TinyLlama.Untied).SetArgDisplayNames("untied");
    }

    [TestCaseSource(nameof(Configs))]
    public void Float32_RoundTripsExactly(LlamaConfig config)
    {
        using var folder = new TempFolder();
        using var model = LlamaModel.CreateRandom(config, CpuBackend.Instance, 5);
        LlamaCheckpointWriter.Save(folder.Path, model);
        using var loaded = LlamaModel.Load(folder.Path, CpuBackend.Instance);
        Assert.Multiple(() =>
        {
            Assert.That(loaded.Config, Is.EqualTo(config));
            Assert.That(TinyLlama.Weights(loaded), Is.EqualTo(TinyLlama.Weights(model)));
        });
        FloatAssert.Exact(TinyLlama.Logits(loaded), TinyLlama.Logits(model), "logits");
    }

    [TestCaseSource(nameof(Configs))]
    public void BFloat16_StoresEachWeightRoundedToNearestEven(LlamaConfig config)
    {
        using var folder = new TempFolder();
        using var model = LlamaModel.CreateRandom(config, CpuBackend.Instance, 6);
        LlamaCheckpointWriter.Save(folder.Path, model, SafetensorsDType.BF16);
        using var loaded = LlamaModel.Load(folder.Path, CpuBackend.Instance);
        var expected = TinyLlama.Weights(model).ToDictionary(kv => kv.Key, kv => kv.Value.Select(v => FloatFormats.FromBFloat16(FloatFormats.ToBFloat16(v))).ToArray());
        Assert.That(TinyLlama.Weights(loaded), Is.EqualTo(expected));
        Assert.That(TinyLlama.Weights(loaded)["model.embed_tokens.weight"], Is.Not.EqualTo(TinyLlama.Weights(model)["model.embed_tokens.weight"]), "BF16 drops bits");
        FloatAssert.Close(TinyLlama.Logits(loaded), TinyLlama.Logits(model), "logits", 0.02f, floor: 0.05f);
        using var file = SafetensorsFile.Open(Path.Combine(folder.Path, "model.safetensors"));
        Assert.That(file.Tensors.Select(t => t.DType), Is.All.EqualTo(SafetensorsDType.BF16));
        Assert.That(file.Contains("lm_head.weight"), Is.EqualTo(!config.TieWordEmbeddings));
    }

    [Test]
    public void ConfigJson_HasTheHuggingFaceFields()
    {
        using var folder = new TempFolder();
        using var model = LlamaModel.CreateRandom(TinyLlama.Tied, CpuBackend.Instance, 1);
        LlamaCheckpointWriter.Save(folder.Path, model, SafetensorsDType.BF16);
        using var doc = JsonDocument.Parse(File.ReadAllText(folder.File("config.json")));
        var root = doc.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("architectures")[0].GetString(), Is.EqualTo("LlamaForCausalLM"));
            Assert.That(root.GetProperty("model_type").GetString(), Is.EqualTo("llama"));
            Assert.That(root.GetProperty("torch_dtype").GetString(), Is.EqualTo("bfloat16"));
            Assert.That(root.GetProperty("hidden_act").GetString(), Is.EqualTo("silu"));
            Assert.That(root.GetProperty("num_key_value_heads").GetInt32(), Is.EqualTo(2));
            Assert.That(root.GetProperty("rms_norm_eps").GetRawText(), Is.EqualTo("1E-05"));
            Assert.That(root.GetProperty("tie_word_embeddings").GetBoolean(), Is.True);
            Assert.That(root.GetProperty("rope_scaling").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That((root.GetProperty("bos_token_id").GetInt32(), root.GetProperty("eos_token_id").GetInt32()), Is.EqualTo((1, 2)));
        });
    }

    [Test]
    public void MetadataAndExtraFiles_AreSavedAndTheBytesRepeat()
    {
        using var folder = new TempFolder();
        using var model = LlamaModel.CreateRandom(TinyLlama.Tied, CpuBackend.Instance, 2);
        var metadata = new Dictionary<string, string> { ["produced_by"] = "a test" };
        CheckpointFile[] extra = [new("tokenizer.json", "{}"u8.ToArray())];
        LlamaCheckpointWriter.Save(folder.Path, model, SafetensorsDType.BF16, metadata, extra);
        var first = File.ReadAllBytes(folder.File("model.safetensors"));
        var firstConfig = File.ReadAllBytes(folder.File("config.json"));
        LlamaCheckpointWriter.Save(folder.Path, model, SafetensorsDType.BF16, metadata, extra);
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllBytes(folder.File("model.safetensors")), Is.EqualTo(first));
            Assert.That(File.ReadAllBytes(folder.File("config.json")), Is.EqualTo(firstConfig));
            Assert.That(File.ReadAllText(folder.File("tokenizer.json")), Is.EqualTo("{}"));
        });
        using var file = SafetensorsFile.Open(folder.File("model.safetensors"));
        Assert.That(file.Metadata, Does.ContainKey("produced_by").WithValue("a test").And.ContainKey("format").WithValue("pt"));
    }

    [Test]
    public void BadArguments_AreRefusedNamingThem()
    {
        using var folder = new TempFolder();
        using var model = LlamaModel.CreateRandom(TinyLlama.Tied, CpuBackend.Instance, 2);
        string target = folder.File("out");
        Assert.Multiple(() =>
        {
            Assert.That(() => LlamaCheckpointWriter.Save(target, model, SafetensorsDType.I32), Throws.ArgumentException.With.Message.Contains("I32"));
            Assert.That(() => LlamaCheckpointWriter.Save(target, model, extraFiles: [new("../x", [])]), Throws.ArgumentException.With.Message.Contains("'../x'"));
            Assert.That(() => LlamaCheckpointWriter.Save(target, model, extraFiles: [new("config.json", [])]), Throws.ArgumentException.With.Message.Contains("'config.json'"));
            Assert.That(Directory.Exists(target), Is.False, "nothing written");
        });
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "model.safetensors.index.json"), "{}");
        Assert.That(() => LlamaCheckpointWriter.Save(target, model), Throws.InstanceOf<IOException>().With.Message.Contains("sharded"));
    }

    [Test]
    public void NonFiniteWeights_AreRefusedNamingTheTensor()
    {
        using var folder = new TempFolder();
        using var model = LlamaModel.CreateRandom(TinyLlama.Tied, CpuBackend.Instance, 2);
        var norm = model.BaseParameters.Single(p => p.Name == "model.norm.weight");
        CpuBackend.Instance.Fill(norm.Value, float.NaN);
        Assert.That(() => LlamaCheckpointWriter.Save(folder.File("out"), model), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("model.norm.weight"));
        Assert.That(Directory.Exists(folder.File("out")), Is.False);
    }
}
