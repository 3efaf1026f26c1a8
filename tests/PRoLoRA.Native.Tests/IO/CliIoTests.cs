using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.IO;
using PRoLoRA.Native.Tensors;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.IO;

public class CliIoTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = PRoLoRA.Cli.Cli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string SaveAdapter(TempFolder dir)
    {
        var folder = dir.File("adapter");
        var adapters = TestAdapters.Mixed();
        ProLoraAdapterFolder.Save(folder, adapters);
        TestAdapters.DisposeAll(adapters);
        return folder;
    }

    [Test]
    public void Export_WritesAPeftFolderInTheAskedDtype()
    {
        using var dir = new TempFolder();
        var adapter = SaveAdapter(dir);
        var output = dir.File("peft");
        var (code, stdout, stderr) = Run("export", adapter, "--peft", output, "--dtype", "bf16");
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("exported 3 modules"));
        using var file = SafetensorsFile.Open(Path.Combine(output, AdapterKeys.WeightsFile));
        Assert.That(file.Tensors, Has.Count.EqualTo(6));
        Assert.That(file.Tensors.Select(t => t.DType), Is.All.EqualTo(SafetensorsDType.BF16));
        Assert.That(File.ReadAllText(Path.Combine(output, AdapterKeys.ConfigFile)), Does.Contain("\"LORA\""));
    }

    [Test]
    public void Merge_WritesTheMergedCheckpoint()
    {
        using var dir = new TempFolder();
        var adapter = SaveAdapter(dir);
        var basePath = dir.File("base.safetensors");
        var writer = new SafetensorsWriter();
        writer.Add("model.layers.0.self_attn.q_proj.weight", new float[16 * 16], new Shape(16, 16));
        writer.Add("model.layers.0.self_attn.k_proj.weight", new float[8 * 16], new Shape(8, 16));
        writer.Add("model.layers.1.mlp.down_proj.weight", new float[16 * 24], new Shape(16, 24));
        writer.Save(basePath);
        var outPath = dir.File("merged.safetensors");
        var (code, stdout, stderr) = Run("merge", adapter, "--base", basePath, "--out", outPath);
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("merged 3 modules"));

        // The base is zero, so the merged weight is the delta s·B·A itself.
        var loaded = ProLoraAdapterFolder.Load(adapter, CpuBackend.Instance);
        var down = loaded["model.layers.1.mlp.down_proj"];
        using var a = down.MaterializeA();
        using var b = down.MaterializeB();
        using var delta = CpuBackend.Instance.Zeros(new Shape(16, 24));
        CpuBackend.Instance.Gemm(b, a, delta, down.Config.Scaling, 0f);
        using var merged = SafetensorsFile.Open(outPath);
        Assert.That(merged.ReadFloat32("model.layers.1.mlp.down_proj.weight"), Is.EqualTo(delta.ToArray()).Within(1e-6f));
        TestAdapters.DisposeAll(loaded);
    }

    [Test]
    public void Inspect_ListsAnAdapterFoldersConfigAndTensors()
    {
        using var dir = new TempFolder();
        var adapter = SaveAdapter(dir);
        var (code, stdout, stderr) = Run("inspect", adapter);
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("peft_type PROLORA"));
        Assert.That(stdout, Does.Contain("model.layers.0.self_attn.k_proj"));
        Assert.That(stdout, Does.Match(@"base_model\.model\.model\.layers\.1\.mlp\.down_proj\.lora_B_vec +F32 +\(2, 16\)"));
        long total = TestAdapters.Mixed().Values.Sum(a => a.Config.TrainableParameters);
        Assert.That(stdout, Does.Contain($"trainable parameters: {total}"));
    }

    [Test]
    public void Inspect_ListsAFilesTensorsAndMetadata()
    {
        using var dir = new TempFolder();
        var path = dir.File("x.safetensors");
        var writer = new SafetensorsWriter();
        writer.Metadata["format"] = "pt";
        writer.Add("w", new float[6], new Shape(2, 3), SafetensorsDType.F16);
        writer.Save(path);
        var (code, stdout, _) = Run("inspect", path);
        Assert.That(code, Is.Zero);
        Assert.That(stdout, Does.Contain("1 tensors, 12 bytes of data"));
        Assert.That(stdout, Does.Contain("metadata format = pt"));
        Assert.That(stdout, Does.Match(@"\n  w +F16 +\(2, 3\)"));
    }

    [Test]
    public void Inspect_OfAPeftFolder_PrintsItsConfig()
    {
        using var dir = new TempFolder();
        var peft = dir.File("peft");
        Assert.That(Run("export", SaveAdapter(dir), "--peft", peft).Code, Is.Zero);
        var (code, stdout, _) = Run("inspect", peft);
        Assert.That(code, Is.Zero);
        Assert.That(stdout, Does.Contain("peft_type LORA"));
        Assert.That(stdout, Does.Contain("\"rank_pattern\""));
    }

    [Test]
    public void BadInput_ExitsWithTwoAndSaysWhy()
    {
        using var dir = new TempFolder();
        var corrupt = dir.File("corrupt.safetensors");
        File.WriteAllBytes(corrupt, [255, 255, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}']);
        var adapter = SaveAdapter(dir);

        var cases = new (string[] Args, string Problem)[]
        {
            (["inspect", corrupt], "runs past the end of the file"),
            (["inspect", dir.File("missing.safetensors")], "no such file or folder"),
            (["export", dir.File("nowhere"), "--peft", dir.File("out")], "no such adapter folder"),
            (["export", adapter, "--peft", dir.File("out"), "--dtype", "f8"], "f8"),
            (["export", adapter], "--peft"),
            (["merge", adapter, "--base", corrupt, "--out", dir.File("m.safetensors")], "runs past the end of the file"),
            (["merge", adapter, "--base", dir.File("none.safetensors"), "--out", dir.File("m.safetensors")], "none.safetensors"),
            (["merge", adapter, "--base", corrupt, "--out", corrupt], "--out must differ from --base"),
        };
        foreach (var (args, problem) in cases)
        {
            var (code, _, stderr) = Run(args);
            Assert.That(code, Is.EqualTo(PRoLoRA.Cli.Cli.BadInput), string.Join(' ', args));
            Assert.That(stderr, Does.Contain(problem), string.Join(' ', args));
        }
        File.WriteAllText(Path.Combine(adapter, AdapterKeys.ConfigFile), "{ not json");
        var broken = Run("export", adapter, "--peft", dir.File("out"));
        Assert.That(broken.Code, Is.EqualTo(PRoLoRA.Cli.Cli.BadInput));
        Assert.That(broken.Err, Does.Contain("not valid JSON"));
        Assert.That(Directory.Exists(dir.File("out")), Is.False);
    }

    [Test]
    public void TheVerbsAreRegistered()
    {
        var names = PRoLoRA.Cli.Cli.Build().Subcommands.Select(c => c.Name);
        Assert.That(names, Is.SupersetOf(new[] { "export", "merge", "inspect", "quantize" }));
    }
}
