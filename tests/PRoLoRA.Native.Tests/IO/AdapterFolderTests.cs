using System.Text.Json.Nodes;
using PRoLoRA.Native.Adapters;
using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Tensors;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.IO;

public class AdapterFolderTests
{
    [Test]
    public void SaveThenLoad_IsExact_ForModulesWithDifferentConfigs()
    {
        using var dir = new TempFolder();
        var saved = TestAdapters.Mixed(rsLoraKProj: true);
        ProLoraAdapterFolder.Save(dir.Path, saved, "meta-llama/Llama-2-7b-hf");
        var loaded = ProLoraAdapterFolder.Load(dir.Path, CpuBackend.Instance);
        try
        {
            Assert.That(loaded.Keys, Is.EquivalentTo(saved.Keys));
            foreach (var (module, a) in saved)
            {
                var b = loaded[module];
                Assert.That(b.Config, Is.EqualTo(a.Config), module);
                for (int i = 0; i < 4; i++)
                {
                    Assert.That(b.Parameters[i].Shape, Is.EqualTo(a.Parameters[i].Shape));
                    Assert.That(b.Parameters[i].Value.ToArray(), Is.EqualTo(a.Parameters[i].Value.ToArray()), $"{module} {a.Parameters[i].Name}");
                }
            }
            Assert.That(Directory.GetFiles(dir.Path).Select(Path.GetFileName), Is.EquivalentTo(new[] { AdapterKeys.ConfigFile, AdapterKeys.WeightsFile }));
        }
        finally
        {
            TestAdapters.DisposeAll(saved);
            TestAdapters.DisposeAll(loaded);
        }
    }

    [Test]
    public void TheTensors_HaveTheOfficialNamesAndShapes()
    {
        using var dir = new TempFolder();
        var adapters = new Dictionary<string, ProLoraAdapter> { ["model.layers.3.mlp.up_proj"] = TestAdapters.Random(ProLoraConfig.ProLora(10, 9, 5, 1, 3, 2), 1) };
        ProLoraAdapterFolder.Save(dir.Path, adapters);
        TestAdapters.DisposeAll(adapters);
        using var file = SafetensorsFile.Open(dir.File(AdapterKeys.WeightsFile));
        var shapes = file.Tensors.ToDictionary(t => t.Name, t => t.Shape);
        Assert.That(shapes, Is.EquivalentTo(new Dictionary<string, Shape>
        {
            ["base_model.model.model.layers.3.mlp.up_proj.lora_A.weight"] = new(4, 4),
            ["base_model.model.model.layers.3.mlp.up_proj.lora_A_vec"] = new(1, 10),
            ["base_model.model.model.layers.3.mlp.up_proj.lora_B.weight"] = new(5, 4),
            ["base_model.model.model.layers.3.mlp.up_proj.lora_B_vec"] = new(1, 9),
        }));
        Assert.That(file.Tensors.Select(t => t.DType), Is.All.EqualTo(SafetensorsDType.F32));
    }

    [Test]
    public void TheConfig_UsesTheOfficialFieldNames_AndRepeatsOnlyDifferingFieldsPerModule()
    {
        using var dir = new TempFolder();
        var adapters = TestAdapters.Mixed(rsLoraKProj: true);
        ProLoraAdapterFolder.Save(dir.Path, adapters);
        TestAdapters.DisposeAll(adapters);
        var root = JsonNode.Parse(File.ReadAllText(dir.File(AdapterKeys.ConfigFile)))!.AsObject();
        Assert.That((string?)root["peft_type"], Is.EqualTo("PROLORA"));
        // The first module in ordinal order is k_proj: its values are the top-level ones.
        Assert.That((int?)root["r"], Is.EqualTo(6));
        Assert.That((int?)root["unshared_r"], Is.EqualTo(2));
        Assert.That((int?)root["reduce_lora_A_x"], Is.EqualTo(4));
        Assert.That((int?)root["reduce_lora_B_x"], Is.EqualTo(2));
        Assert.That((bool?)root["enable_lora_rotation"], Is.False);
        Assert.That((int?)root["lora_A_shift_size"], Is.EqualTo(3));
        Assert.That((int?)root["lora_B_shift_size"], Is.EqualTo(2));
        Assert.That((float?)root["lora_alpha"], Is.EqualTo(12.5f));
        Assert.That((bool?)root["use_rslora"], Is.True);
        Assert.That(root["target_modules"]!.AsArray().Select(n => (string?)n), Is.EqualTo(new[] { "down_proj", "k_proj", "q_proj" }));
        var modules = root["modules"]!.AsObject();
        var k = modules["model.layers.0.self_attn.k_proj"]!.AsObject();
        Assert.That(k.Select(kv => kv.Key), Is.EquivalentTo(new[] { "in_features", "out_features" }));
        var q = modules["model.layers.0.self_attn.q_proj"]!.AsObject();
        Assert.That((int?)q["in_features"], Is.EqualTo(16));
        Assert.That((int?)q["r"], Is.EqualTo(4));
        Assert.That((float?)q["lora_dropout"], Is.EqualTo(0.05f));
        Assert.That(q.ContainsKey("reduce_lora_B_x"), Is.False, "same as the top level");
    }

    [Test]
    public void AnOfficialStyleConfig_WithOneConfigForAllModules_Loads()
    {
        using var dir = new TempFolder();
        var config = ProLoraConfig.ProLora(8, 6, 4, 1, 2, 3);
        var writer = new SafetensorsWriter();
        writer.Add(AdapterKeys.LoraA("m.q"), new float[3 * 4], new Shape(3, 4));
        writer.Add(AdapterKeys.LoraAVec("m.q"), new float[8], new Shape(1, 8));
        writer.Add(AdapterKeys.LoraB("m.q"), new float[2 * 3], new Shape(2, 3));
        writer.Add(AdapterKeys.LoraBVec("m.q"), new float[6], new Shape(1, 6));
        writer.Save(dir.File(AdapterKeys.WeightsFile));
        File.WriteAllText(dir.File(AdapterKeys.ConfigFile), """
            {"peft_type": "PROLORA", "r": 4, "lora_alpha": 16, "unshared_r": 1, "reduce_lora_A_x": 2, "reduce_lora_B_x": 3,
             "enable_lora_rotation": true, "lora_A_shift_size": null, "lora_B_shift_size": 1, "lora_dropout": 0.05,
             "target_modules": ["q"], "modules": {"m.q": {"in_features": 8, "out_features": 6}}}
            """);
        var loaded = ProLoraAdapterFolder.Load(dir.Path, CpuBackend.Instance);
        Assert.That(loaded["m.q"].Config, Is.EqualTo(config with { Dropout = 0.05f }));
        TestAdapters.DisposeAll(loaded);
    }

    private static IEnumerable<TestCaseData> BadFolders()
    {
        TestCaseData Case(string name, Action<string> spoil, string problem) => new TestCaseData(spoil, problem).SetName($"Load_Rejects_{name}");
        static void EditConfig(string dir, Func<string, string> edit)
        {
            var path = Path.Combine(dir, AdapterKeys.ConfigFile);
            File.WriteAllText(path, edit(File.ReadAllText(path)));
        }
        yield return Case("APeftLoraFolder", d => EditConfig(d, s => s.Replace("\"PROLORA\"", "\"LORA\"")), "expected \"PROLORA\"");
        yield return Case("ConfigNotJson", d => EditConfig(d, s => s[..^5]), "not valid JSON");
        yield return Case("DuplicateModule", d => EditConfig(d, s => s.Replace("\"modules\": {", "\"modules\": {\"m.q\": {},")), "duplicate key 'm.q'");
        yield return Case("ConfigNotAnObject", d => EditConfig(d, _ => "[1]"), "must be a JSON object, got an array");
        yield return Case("MissingField", d => EditConfig(d, s => s.Replace("\"reduce_lora_A_x\"", "\"reduce_A\"")), "'reduce_lora_A_x' is missing");
        yield return Case("InvalidConfig", d => EditConfig(d, s => s.Replace("\"unshared_r\": 1", "\"unshared_r\": 9")), "unshared rank u must be in [0, r = 4]");
        yield return Case("ShapeDisagreeingWithTheConfig", d => EditConfig(d, s => s.Replace("\"in_features\": 8", "\"in_features\": 10")), "lora_A.weight' has shape (3, 4), but adapter_config.json makes it (3, 5)");
        yield return Case("TensorMissing", d => EditConfig(d, s => s.Replace("\"m.q\"", "\"m.k\"")), "no tensor 'base_model.model.m.k.lora_A.weight'");
        yield return Case("TensorOfNoModule", d =>
        {
            using var src = SafetensorsFile.Open(Path.Combine(d, AdapterKeys.WeightsFile));
            var w = new SafetensorsWriter();
            foreach (var t in src.Tensors)
            {
                w.Add(t.Name, src.ReadFloat32(t.Name), t.Shape);
            }
            w.Add("base_model.model.m.v.lora_A.weight", [1f], new Shape(1, 1));
            src.Dispose();
            w.Save(Path.Combine(d, AdapterKeys.WeightsFile));
        }, "'base_model.model.m.v.lora_A.weight' belongs to no module");
        yield return Case("WeightsOfAnotherSave", d =>
        {
            var other = Path.Combine(d, "other-save");
            var adapters = new Dictionary<string, ProLoraAdapter> { ["m.q"] = TestAdapters.Random(ProLoraConfig.ProLora(8, 6, 4, 1, 2, 3), 7) };
            ProLoraAdapterFolder.Save(other, adapters);
            TestAdapters.DisposeAll(adapters);
            File.Copy(Path.Combine(other, AdapterKeys.WeightsFile), Path.Combine(d, AdapterKeys.WeightsFile), overwrite: true);
        }, "come from different saves");
        yield return Case("CorruptWeights", d => File.WriteAllBytes(Path.Combine(d, AdapterKeys.WeightsFile), [9, 0, 0, 0, 0, 0, 0, 0, (byte)'{']), "runs past the end of the file");
    }

    [TestCaseSource(nameof(BadFolders))]
    public void ABadFolder_IsRejectedNamingTheProblem(Action<string> spoil, string problem)
    {
        using var dir = new TempFolder();
        var adapters = new Dictionary<string, ProLoraAdapter> { ["m.q"] = TestAdapters.Random(ProLoraConfig.ProLora(8, 6, 4, 1, 2, 3), 1) };
        ProLoraAdapterFolder.Save(dir.Path, adapters);
        TestAdapters.DisposeAll(adapters);
        spoil(dir.Path);
        var e = Assert.Throws<InvalidDataException>(() => ProLoraAdapterFolder.Load(dir.Path, CpuBackend.Instance));
        Assert.That(e!.Message, Does.Contain(problem).And.Contain(dir.Path));
    }

    [Test]
    public void AFolderWithoutConfig_IsAFileNotFoundNamingIt()
    {
        using var dir = new TempFolder();
        var e = Assert.Throws<FileNotFoundException>(() => ProLoraAdapterFolder.Load(dir.Path, CpuBackend.Instance));
        Assert.That(e!.Message, Does.Contain(AdapterKeys.ConfigFile));
    }

    [Test]
    public void SavingNothing_OrABadModuleName_IsRejected()
    {
        using var dir = new TempFolder();
        Assert.Throws<ArgumentException>(() => ProLoraAdapterFolder.Save(dir.Path, new Dictionary<string, ProLoraAdapter>()));
        using var a = TestAdapters.Random(ProLoraConfig.Lora(4, 4, 2), 1);
        Assert.Throws<ArgumentException>(() => ProLoraAdapterFolder.Save(dir.Path, new Dictionary<string, ProLoraAdapter> { ["a..b"] = a }));
        Assert.That(Directory.GetFileSystemEntries(dir.Path), Is.Empty);
    }
}
