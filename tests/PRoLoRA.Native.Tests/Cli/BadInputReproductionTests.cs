using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Tensors;
using PRoLoRA.Native.Tests.IO;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Cli;

/// <summary>
/// The reproductions of the 884-case attack (issue 9), one test each: every one exits 2 with a
/// message naming the file and the problem, within a timeout, and leaves no output behind.
/// </summary>
public class BadInputReproductionTests
{
    private const string OneTensor = "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";

    private static (int Code, string Out, string Err) Run(params string[] args) => NoHang.Run(() =>
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = PRoLoRA.Cli.Cli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    });

    private static void AssertBadInput((int Code, string Out, string Err) result, params string[] mentions)
    {
        Assert.That(result.Code, Is.EqualTo(PRoLoRA.Cli.Cli.BadInput), result.Out + result.Err);
        Assert.That(result.Err, Does.StartWith("error: "));
        foreach (var m in mentions)
        {
            Assert.That(result.Err, Does.Contain(m));
        }
        Assert.That(result.Err, Does.Not.Contain("   at "), "no stack trace");
    }

    private static string SaveAdapter(TempFolder dir, string name = "adapter")
    {
        var folder = dir.File(name);
        var adapters = TestAdapters.Mixed();
        ProLoraAdapterFolder.Save(folder, adapters);
        TestAdapters.DisposeAll(adapters);
        return folder;
    }

    private static string SaveBase(TempFolder dir, float poison = 0f)
    {
        var path = dir.File("base.safetensors");
        var writer = new SafetensorsWriter { AllowNonFinite = true };
        var q = new float[16 * 16];
        q[5] = poison;
        writer.Add("model.layers.0.self_attn.q_proj.weight", q, new Shape(16, 16));
        writer.Add("model.layers.0.self_attn.k_proj.weight", new float[8 * 16], new Shape(8, 16));
        writer.Add("model.layers.1.mlp.down_proj.weight", new float[16 * 24], new Shape(16, 24));
        writer.Save(path);
        return path;
    }

    private static void EditConfig(string folder, Func<string, string> edit)
    {
        var path = Path.Combine(folder, AdapterKeys.ConfigFile);
        File.WriteAllText(path, edit(File.ReadAllText(path)));
    }

    // 1. JSON that System.Text.Json rejects late (a lone surrogate, invalid UTF-8, a top level that is not an object, wrong types).
    private static IEnumerable<TestCaseData> LateJsonHeaders()
    {
        TestCaseData Case(string name, string header) => new TestCaseData(header).SetName($"D1_SafetensorsHeader_{name}");
        yield return Case("LoneSurrogateInAName", "{\"a\\ud800\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}");
        yield return Case("LoneSurrogateInADtype", "{\"a\":{\"dtype\":\"F3\\udc00\",\"shape\":[1],\"data_offsets\":[0,4]}}");
        yield return Case("LoneSurrogateInMetadata", "{\"__metadata__\":{\"k\":\"v\\ud800\"}," + OneTensor[1..]);
        yield return Case("LoneSurrogateInAMetadataKey", "{\"__metadata__\":{\"k\\ud800\":\"v\"}," + OneTensor[1..]);
    }

    [TestCaseSource(nameof(LateJsonHeaders))]
    public void D1_ASafetensorsHeaderWithALoneSurrogate_IsRejected(string header)
    {
        using var dir = new TempFolder();
        var path = dir.File("bad.safetensors");
        File.WriteAllBytes(path, RawSafetensors.Build(header, RawSafetensors.Floats(1f)));
        AssertBadInput(Run("inspect", path), path, "not valid text");
    }

    [TestCase("\"PROLORA\"", "\"PRO\\ud800\"", TestName = "D1_Config_LoneSurrogateInAValue")]
    [TestCase("\"modules\": {", "\"modules\": {\"m\\udfff\": {\"in_features\": 1, \"out_features\": 1},", TestName = "D1_Config_LoneSurrogateInAModuleName")]
    public void D1_AConfigWithALoneSurrogate_IsRejected(string find, string replace)
    {
        using var dir = new TempFolder();
        var adapter = SaveAdapter(dir);
        EditConfig(adapter, s => s.Replace(find, replace));
        AssertBadInput(Run("export", adapter, "--peft", dir.File("out")), AdapterKeys.ConfigFile, "not valid text");
        AssertBadInput(Run("inspect", adapter), "not loadable");
        Assert.That(Directory.Exists(dir.File("out")), Is.False);
    }

    [Test]
    public void D1_AConfigWithInvalidUtf8InAString_IsRejected()
    {
        using var dir = new TempFolder();
        var adapter = SaveAdapter(dir);
        var path = Path.Combine(adapter, AdapterKeys.ConfigFile);
        var bytes = File.ReadAllBytes(path);
        int at = Encoding.ASCII.GetString(bytes).IndexOf("PROLORA", StringComparison.Ordinal);
        bytes[at + 3] = 0xFF;
        File.WriteAllBytes(path, bytes);
        AssertBadInput(Run("export", adapter, "--peft", dir.File("out")), path);
    }

    [TestCase("[]", "got an array")]
    [TestCase("null", "got null")]
    [TestCase("\"x\"", "got \"x\"")]
    [TestCase("1", "got 1")]
    public void D1_AConfigWhoseTopLevelIsNotAnObject_IsRejected(string json, string problem)
    {
        using var dir = new TempFolder();
        var adapter = SaveAdapter(dir);
        File.WriteAllText(Path.Combine(adapter, AdapterKeys.ConfigFile), json);
        AssertBadInput(Run("export", adapter, "--peft", dir.File("out")), AdapterKeys.ConfigFile, "must be a JSON object", problem);
        AssertBadInput(Run("inspect", adapter), "must be a JSON object");
    }

    private static IEnumerable<TestCaseData> WronglyTypedGolden()
    {
        TestCaseData Case(string name, Action<JsonObject> spoil, string problem) => new TestCaseData(spoil, problem).SetName($"D1_Golden_{name}");
        yield return Case("CaseIsANumber", g => g["cases"] = new JsonArray(5), "cases[0]: must be a JSON object, got 5");
        yield return Case("LoraAlphaIsAString", g => g["cases"]![0]!["config"]!["lora_alpha"] = "16", "cases[0].config.lora_alpha: must be a finite number, got \"16\"");
        yield return Case("ShapeHoldsAString", g => g["cases"]![0]!["inputs"]!["x"]!["shape"]![1] = "12", "cases[0].inputs.x.shape[1]: must be a whole number");
        yield return Case("RankIsAFraction", g => g["cases"]![0]!["config"]!["r"] = 1.5, "cases[0].config.r: must be a whole number");
        yield return Case("DataHoldsNull", g => g["cases"]![0]!["inputs"]!["x"]!["data"]![0] = null, "cases[0].inputs.x.data[0]: must be a finite number, got null");
    }

    [TestCaseSource(nameof(WronglyTypedGolden))]
    public void D1_AGoldenFileWithWronglyTypedValues_IsRejected(Action<JsonObject> spoil, string problem)
    {
        using var dir = new TempFolder();
        var golden = JsonNode.Parse(File.ReadAllText(GoldenPath.Official))!.AsObject();
        spoil(golden);
        var path = dir.File("golden.json");
        File.WriteAllText(path, golden.ToJsonString());
        AssertBadInput(Run("verify-golden", path), path, problem);
    }

    // 2. A FIFO given as any input answers at once instead of hanging.
    [Test]
    public void D2_AFifoAsAnyInput_IsRejectedWithoutHanging()
    {
        using var dir = new TempFolder();
        var fifo = SpecialFiles.Fifo(dir.File("f"));
        var adapter = SaveAdapter(dir);
        AssertBadInput(Run("inspect", fifo), fifo, "FIFO");
        AssertBadInput(Run("verify-golden", fifo), fifo, "FIFO");
        AssertBadInput(Run("merge", adapter, "--base", fifo, "--out", dir.File("m.safetensors")), fifo, "FIFO");
        foreach (var name in new[] { AdapterKeys.WeightsFile, AdapterKeys.ConfigFile })
        {
            var spoiled = SaveAdapter(dir, $"spoiled-{name}");
            File.Delete(Path.Combine(spoiled, name));
            SpecialFiles.Fifo(Path.Combine(spoiled, name));
            AssertBadInput(Run("export", spoiled, "--peft", dir.File("out")), name, "FIFO");
            AssertBadInput(Run("inspect", spoiled), name, "FIFO");
        }
    }

    // 3. Sizes in 64 bits; a config claiming dimensions its weights do not back is refused before anything is allocated.
    [Test]
    public void D3_ParamsAtIntMax_CountsIn64Bits()
    {
        var (code, stdout, _) = Run("params", "--in", "2147483647", "--out", "2147483647", "--r", "8", "--unshared", "1");
        Assert.That(code, Is.Zero);
        // u·(in + out) + rs·(cs_a + cs_b) with m = n = 1: 8 · 2 · 2147483647.
        Assert.That(stdout.TrimEnd().Split('\n')[^1], Is.EqualTo("trainable parameters: 34359738352"));
    }

    [Test]
    public void D3_ATinyAdapterClaimingHugeDimensions_IsRefused()
    {
        using var dir = new TempFolder();
        var folder = dir.File("claims");
        Directory.CreateDirectory(folder);
        const int Huge = 1 << 28;
        var writer = new SafetensorsWriter();
        writer.Add(AdapterKeys.LoraA("m.q"), new float[4], new Shape(4, 1));
        writer.Add(AdapterKeys.LoraAVec("m.q"), [], new Shape(0, Huge));
        writer.Add(AdapterKeys.LoraB("m.q"), new float[32], new Shape(8, 4));
        writer.Add(AdapterKeys.LoraBVec("m.q"), [], new Shape(0, 8));
        writer.Save(Path.Combine(folder, AdapterKeys.WeightsFile));
        var config = new JsonObject
        {
            ["peft_type"] = "PROLORA",
            ["r"] = 4,
            ["lora_alpha"] = 16,
            ["unshared_r"] = 0,
            ["reduce_lora_A_x"] = Huge,
            ["reduce_lora_B_x"] = 1,
            ["enable_lora_rotation"] = true,
            ["modules"] = new JsonObject { ["m.q"] = new JsonObject { ["in_features"] = Huge, ["out_features"] = 8 } },
        };
        File.WriteAllText(Path.Combine(folder, AdapterKeys.ConfigFile), config.ToJsonString());
        AssertBadInput(Run("export", folder, "--peft", dir.File("out")), folder, "implausible");
        AssertBadInput(Run("inspect", folder), "not loadable", "implausible");
        Assert.That(Directory.Exists(dir.File("out")), Is.False);
    }

    // 4. Nothing to verify is not a pass.
    [Test]
    public void D4_AGoldenFileWithNoCase_IsAnError()
    {
        using var dir = new TempFolder();
        var path = dir.File("empty.json");
        File.WriteAllText(path, "{\"format\": \"prolora-golden/1\", \"cases\": []}");
        AssertBadInput(Run("verify-golden", path), path, "no case");
    }

    // 5. Saves replace only regular files.
    [Test]
    public void D5_MergeOntoAFifoOrALink_LeavesThemAlone()
    {
        using var dir = new TempFolder();
        var adapter = SaveAdapter(dir);
        var basePath = SaveBase(dir);
        var fifo = SpecialFiles.Fifo(dir.File("fifo"));
        AssertBadInput(Run("merge", adapter, "--base", basePath, "--out", fifo), fifo, "FIFO", "only a regular file");
        Assert.That(SpecialFiles.IsSpecial(fifo), Is.True);
        var elsewhere = dir.File("elsewhere.safetensors");
        File.WriteAllBytes(elsewhere, [1, 2, 3]);
        var link = dir.File("link.safetensors");
        File.CreateSymbolicLink(link, elsewhere);
        AssertBadInput(Run("merge", adapter, "--base", basePath, "--out", link), link, "symbolic link");
        Assert.That(new FileInfo(link).LinkTarget, Is.EqualTo(elsewhere));
        Assert.That(File.ReadAllBytes(elsewhere), Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [Test]
    public void D5_MergeOntoADeviceNode_LeavesItAlone()
    {
        using var dir = new TempFolder();
        var device = SpecialFiles.NullDevice(dir.File("null-device"));
        var adapter = SaveAdapter(dir);
        AssertBadInput(Run("merge", adapter, "--base", SaveBase(dir), "--out", device), device, "character device");
        Assert.That(SpecialFiles.IsSpecial(device), Is.True);
    }

    // 8. inspect shows only folders export would load.
    private static IEnumerable<TestCaseData> UnloadableFolders()
    {
        TestCaseData Case(string name, Action<string> spoil, string problem) => new TestCaseData(spoil, problem).SetName($"D8_Inspect_{name}");
        yield return Case("MissingModule", d => EditConfig(d, s => s.Replace("model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj")), "no tensor");
        yield return Case("WrongDims", d => EditConfig(d, s => s.Replace("\"in_features\": 24", "\"in_features\": 25")), "has shape");
        yield return Case("EmptyWeights", d => File.WriteAllBytes(Path.Combine(d, AdapterKeys.WeightsFile), []), "truncated");
        yield return Case("MissingWeights", d => File.Delete(Path.Combine(d, AdapterKeys.WeightsFile)), AdapterKeys.WeightsFile);
        yield return Case("ConfigAFolder", d =>
        {
            File.Delete(Path.Combine(d, AdapterKeys.ConfigFile));
            Directory.CreateDirectory(Path.Combine(d, AdapterKeys.ConfigFile));
        }, "is a folder, not a regular file");
    }

    [TestCaseSource(nameof(UnloadableFolders))]
    public void D8_InspectOfAFolderExportRejects_SaysNotLoadable(Action<string> spoil, string problem)
    {
        using var dir = new TempFolder();
        var adapter = SaveAdapter(dir);
        spoil(adapter);
        AssertBadInput(Run("inspect", adapter), adapter, "not loadable", problem);
        AssertBadInput(Run("export", adapter, "--peft", dir.File("out")), problem);
    }

    // 9. export never overwrites its source.
    [Test]
    public void D9_ExportOntoItsOwnSource_IsRefused()
    {
        using var dir = new TempFolder();
        var adapter = SaveAdapter(dir);
        var alias = dir.File("alias");
        Directory.CreateSymbolicLink(alias, adapter);
        AssertBadInput(Run("export", adapter, "--peft", adapter), "--peft", "adapter folder itself");
        AssertBadInput(Run("export", adapter, "--peft", adapter + "/"), "adapter folder itself");
        AssertBadInput(Run("export", alias, "--peft", adapter), "adapter folder itself");
        Assert.That(Run("inspect", adapter).Code, Is.Zero, "the source still loads");
    }

    // 10. NaN and Inf are refused where they would spread, unless asked for.
    [Test]
    public void D10_ANaNInTheAdapter_IsRefusedNamingTheTensor_UnlessAllowed()
    {
        using var dir = new TempFolder();
        var adapter = SaveAdapter(dir);
        var weights = Path.Combine(adapter, AdapterKeys.WeightsFile);
        var tensor = AdapterKeys.LoraA("model.layers.0.self_attn.q_proj");
        Poison(weights, tensor, float.NaN);
        var basePath = SaveBase(dir);
        AssertBadInput(Run("export", adapter, "--peft", dir.File("out")), tensor, "non-finite");
        AssertBadInput(Run("merge", adapter, "--base", basePath, "--out", dir.File("m.safetensors")), tensor, "non-finite");
        Assert.That(Directory.Exists(dir.File("out")) || File.Exists(dir.File("m.safetensors")), Is.False);
        Assert.That(Run("export", adapter, "--peft", dir.File("out"), "--allow-nonfinite").Code, Is.Zero);
        Assert.That(Run("merge", adapter, "--base", basePath, "--out", dir.File("m.safetensors"), "--allow-nonfinite").Code, Is.Zero);
    }

    [Test]
    public void D10_AnInfInTheBase_IsRefusedNamingTheTensor_UnlessAllowed()
    {
        using var dir = new TempFolder();
        var adapter = SaveAdapter(dir);
        var basePath = SaveBase(dir, poison: float.PositiveInfinity);
        AssertBadInput(Run("merge", adapter, "--base", basePath, "--out", dir.File("m.safetensors")), basePath, "model.layers.0.self_attn.q_proj.weight", "non-finite");
        Assert.That(File.Exists(dir.File("m.safetensors")), Is.False);
        Assert.That(Run("merge", adapter, "--base", basePath, "--out", dir.File("m.safetensors"), "--allow-nonfinite").Code, Is.Zero);
    }

    private static void Poison(string path, string tensor, float value)
    {
        long at;
        using (var file = SafetensorsFile.Open(path))
        {
            var bytes = File.ReadAllBytes(path);
            at = 8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes) + file.Info(tensor).Begin;
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
        stream.Position = at;
        stream.Write(BitConverter.GetBytes(value));
    }

    // 11. inspect's output is bounded unless --all.
    [Test]
    public void D11_InspectOutput_IsCappedUnlessAll()
    {
        using var dir = new TempFolder();
        var path = dir.File("many.safetensors");
        var writer = new SafetensorsWriter();
        for (int i = 0; i < 1000; i++)
        {
            writer.Add($"{new string('n', 2000)}.{i:D4}\u001b[31m", [], new Shape(0));
        }
        writer.Save(path);
        var (code, stdout, _) = Run("inspect", path);
        Assert.That(code, Is.Zero);
        Assert.That(stdout.Length, Is.LessThan(40_000));
        Assert.That(stdout, Does.Contain("... and 800 more tensors (--all lists every one)"));
        Assert.That(stdout, Does.Not.Contain("\u001b"), "control characters are escaped");
        var all = Run("inspect", path, "--all");
        Assert.That(all.Code, Is.Zero);
        Assert.That(all.Out, Does.Contain($"{new string('n', 2000)}.0999\\u001b[31m"));
    }

    // 12. Messages name the file and the problem; a failed export leaves no folder behind.
    [Test]
    public void D12_MessagesNameTheOptionOrTheFile()
    {
        using var dir = new TempFolder();
        var adapter = SaveAdapter(dir);
        AssertBadInput(Run("merge", adapter, "--base", SaveBase(dir), "--out", ""), "--out: the path is empty");
        AssertBadInput(Run("export", "", "--peft", dir.File("out")), "ADAPTER_DIR: the path is empty");
        AssertBadInput(Run("verify-golden", dir.Path), dir.Path, "is a folder, not a regular file");
        AssertBadInput(Run("inspect", "/dev/null"), "/dev/null", "is a character device");
        AssertBadInput(Run("export", Path.Combine(adapter, AdapterKeys.ConfigFile), "--peft", dir.File("out")), AdapterKeys.ConfigFile, "not an adapter folder");
    }

    [Test]
    public void D12_AnAdapterPeftCannotExpress_IsNamedWithTheModules()
    {
        using var dir = new TempFolder();
        var folder = dir.File("mixed");
        var adapters = TestAdapters.Mixed(rsLoraKProj: true);
        ProLoraAdapterFolder.Save(folder, adapters);
        TestAdapters.DisposeAll(adapters);
        var result = Run("export", folder, "--peft", dir.File("out"));
        AssertBadInput(result, $"{folder}: cannot be exported as PEFT LoRA", "'model.layers.0.self_attn.k_proj' uses it");
        Assert.That(result.Err, Does.Not.Contain("(Parameter"));
    }

    [Test]
    public void D12_AFailedExport_LeavesNoOutputFolder()
    {
        using var dir = new TempFolder();
        var adapter = SaveAdapter(dir);
        // Finite in float32, beyond F16's 65504: the export fails while it writes, after it made the folders it needed.
        var tensor = AdapterKeys.LoraBVec("model.layers.1.mlp.down_proj");
        Poison(Path.Combine(adapter, AdapterKeys.WeightsFile), tensor, 1e6f);
        AssertBadInput(Run("export", adapter, "--peft", dir.File("new/deeper/peft"), "--dtype", "f16"), "lora_B.weight", "beyond the range of F16");
        Assert.That(Directory.Exists(dir.File("new")), Is.False);
        Assert.That(Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName), Is.EquivalentTo(new[] { "adapter" }));
    }
}
